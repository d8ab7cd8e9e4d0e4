/**
 * containers/: the container lifecycle for `kiln run` and the container
 * commands: create, start (attached or detached under a supervisor), wait,
 * stop, kill, remove, exec, logs, list; state under `<root>/containers/`.
 * A second, start-up-light face, flags.ts, holds the parsers of run flags.
 */
export { Containers, type ContainersDeps, type StartOptions } from './containers.js';
export type { AttachStdio } from './supervise.js';
export { parseRestart, formatRestart } from './restart.js';
export { shortId } from './names.js';
export type { LogEntry, ReadLogOptions } from './log-reader.js';
export type { Container, ContainerRecord, ContainerState, ContainerStatus, CreateRequest, LogOptions, NetworkMode, RecordMount, ResourceLimits, RestartPolicy, VolumeMount } from './types.js';
export type { SecurityOptions } from './types.js';
export { Networks, sweepNetworks, parsePublish, publishAll, formatPorts, parseAddHost, checkDns } from './network/index.js';
export type { NetworkSettings, NetworkRecord, Endpoint, PortSpec, PortBinding, HostEntry } from './network/index.js';
export { Volumes, volumeView, parseVolumeLabels, checkVolumeName, parseMountFlag, parseVolumeFlag, ANONYMOUS_LABEL } from './volumes/index.js';
export type { VolumeInfo, VolumeRecord } from './volumes/index.js';
export { seccompFromDockerProfile, type ProfileHost } from './seccomp-profile.js';
