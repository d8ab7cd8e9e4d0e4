/**
 * Running a process in a rootfs under an OCI runtime (runc or crun).
 * See https://github.com/opencontainers/runtime-spec/blob/main/config.md
 */
import type { Readable, Writable } from 'node:stream';
import type { Mount } from '../oci/index.js';
import type { OciSeccomp } from './oci.js';

/** An extra mount inside the container. */
export type ContainerMount =
  | { readonly type: 'bind'; readonly source: string; readonly destination: string; readonly readonly: boolean }
  | { readonly type: 'tmpfs'; readonly destination: string; readonly options?: readonly string[] };

/** What to run and how; everything a RUN step or `kiln run` decides. */
export interface RunSpec {
  /** Unique among running containers; also names the bundle. */
  readonly id: string;
  /** The rootfs, as the snapshotter returned it (mounted by the executor). */
  readonly rootfs: readonly Mount[];
  readonly args: readonly string[];
  /** `KEY=value` entries. */
  readonly env: readonly string[];
  /** Absolute working directory inside the container (created if missing). @default '/' */
  readonly cwd?: string;
  /** Docker-style user: `name`, `uid`, `name:group`, `uid:gid`; resolved in the rootfs. @default root */
  readonly user?: string;
  readonly hostname?: string;
  /**
   * Set HOSTNAME in the process environment, as `docker run` does. BuildKit's
   * RUN steps do not (the shell may still set its own). @default true
   */
  readonly hostnameEnv?: boolean;
  readonly network: NetworkMode;
  readonly mounts?: readonly ContainerMount[];
  readonly tty?: boolean;
  readonly limits?: ResourceLimits;
  /** `--read-only`: the rootfs is mounted read-only (mounts on it stay as they are). */
  readonly readonlyRootfs?: boolean;
  /** Capabilities added to / dropped from Docker's default set (`CAP_` prefix optional, `ALL` allowed). */
  readonly capAdd?: readonly string[];
  readonly capDrop?: readonly string[];
  /** `--privileged`: every capability kiln holds, no seccomp, no masked paths, the host's devices, writable /sys and cgroupfs (executor/privileged.ts). */
  readonly privileged?: boolean;
  /** `--group-add`: supplementary groups (names resolved in the image's /etc/group, or numbers). */
  readonly groupAdd?: readonly string[];
  /** Lines added to /etc/hosts (`--add-host`). */
  readonly extraHosts?: readonly ExtraHost[];
  /** Size of /dev/shm in bytes. @default 64 MiB */
  readonly shmSize?: number;
  /** Process resource limits (`--ulimit`); they may only lower what kiln has unless it holds CAP_SYS_RESOURCE. */
  readonly rlimits?: readonly Rlimit[];
  /** `--security-opt seccomp=…`: another profile, or none. @default kiln's default profile (seccomp.ts) */
  readonly seccomp?: OciSeccomp | 'unconfined';
}

/**
 * The container's network: the host's, none (only `lo`), or a network
 * namespace someone else made (a path to it, e.g. a bind-mounted nsfs file),
 * which the container joins and which outlives it.
 */
export type NetworkMode = 'none' | 'host' | { readonly netns: string };

/**
 * cgroup limits (docker run's flags). Memory goes on a cgroup kiln makes
 * around the runtime's (so an OOM kill can be read after the runtime has
 * removed its own); the rest goes in the spec's linux.resources.
 */
export interface ResourceLimits {
  /** `--memory`, bytes. */
  readonly memoryBytes?: number;
  /** `--memory-swap`: memory plus swap, bytes; -1: unlimited swap. Default with memory: twice memory (Docker's). */
  readonly memorySwapBytes?: number;
  /** `--cpus` × 10⁹. */
  readonly nanoCpus?: number;
  /** `--cpu-shares` (relative weight, cgroup v1 semantics; 1024 is one full share). */
  readonly cpuShares?: number;
  /** `--cpu-period`, `--cpu-quota` (µs; they override `--cpus`). */
  readonly cpuPeriod?: number;
  readonly cpuQuota?: number;
  /** `--cpuset-cpus` (`0-2,4`), `--cpuset-mems`. */
  readonly cpusetCpus?: string;
  readonly cpusetMems?: string;
  /** `--pids-limit`; -1 or 0: unlimited. */
  readonly pids?: number;
}

/** One `--add-host` mapping. */
export interface ExtraHost {
  readonly name: string;
  readonly ip: string;
}

/** One resource limit, as the OCI spec names it (`RLIMIT_NOFILE`). */
export interface Rlimit {
  readonly type: string;
  readonly soft: number;
  readonly hard: number;
}

/** Where the container's standard streams go. */
export interface RunStdio {
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** How a container ended. */
export interface RunResult {
  /** The exit code; 128+N when killed by signal N (Docker's convention). */
  readonly exitCode: number;
  /** A process of the container was killed by the kernel for going over the memory limit. */
  readonly oomKilled?: boolean;
}

/** Runs containers. Implementations always clean up (runtime state, mounts, bundle), even on abort. */
export interface Executor {
  run(spec: RunSpec, options: RunOptions): Promise<RunResult>;
}

/** How to run: cancellation, stdio, and a hook for when the runtime has been started. */
export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly stdio: RunStdio;
  /** Called once the bundle is ready and the runtime process is spawned (the command was found, the user resolved). */
  readonly onStart?: () => void;
}
