/**
 * containers/: the container lifecycle for `kiln run` and the container
 * commands: create, start (attached or detached under a supervisor), wait,
 * stop, kill, remove, exec, logs, list; state under `<root>/containers/`.
 */
export { Containers, type ContainersDeps, type StartOptions } from './containers.js';
export type { AttachStdio } from './supervise.js';
export { parseRestart, formatRestart } from './restart.js';
export { shortId } from './names.js';
export type { Container, ContainerRecord, ContainerState, ContainerStatus, CreateRequest, LogOptions, NetworkMode, ResourceLimits, RestartPolicy } from './types.js';
