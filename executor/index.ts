/**
 * executor/: running a process in a rootfs under an OCI runtime (runc or
 * crun). The public surface of the folder.
 */
export type { ContainerMount, Executor, ExtraHost, NetworkMode, ResourceLimits, Rlimit, RunOptions, RunResult, RunSpec, RunStdio } from './types.js';
export { OciRuntimeExecutor, type OciRuntimeExecutorOptions } from './runc.js';
export type { ExecSpec } from './exec.js';
export { pathRuntimes, sweepState, type HandleFor, type SweepReport } from './sweep.js';
export { resolveRuntime, cgroupLayout, type Runtime, type RuntimeKind, type ResolveRuntimeOptions, type CgroupLayout } from './runtime.js';
export { resolveUser, resolveUserFrom, readUserFiles, type ResolvedUser, type UserFiles } from '../util/user.js';
export { toRuntimeSpec, containerEnv, containerHostname, type SpecContext } from './spec.js';
export type { OciSpec, OciMount, OciProcess, OciLinux, OciSeccomp, OciSeccompRule, OciSeccompArg, OciSeccompAction } from './oci.js';
export { tweakCapabilities } from './capabilities.js';
export { defaultSeccompProfile, DENIED_SYSCALLS } from './seccomp.js';
export { DEFAULT_CAPABILITIES, DEFAULT_PATH, MASKED_PATHS, READONLY_PATHS } from './spec-defaults.js';
export { ContainerStartError, type StartExitCode } from './errors.js';
export { resolveInRoot } from './rootfs-path.js';
export {
  mountAll,
  unmount,
  isMounted,
  mountPointsUnder,
  mountCommand,
  checkOverlaySupport,
  MAX_MOUNT_OPTIONS_BYTES,
  type MountCommand,
  type OverlaySupport,
} from './mount.js';
