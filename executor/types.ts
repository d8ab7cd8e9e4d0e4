/**
 * Running a process in a rootfs under an OCI runtime (runc or crun).
 * See https://github.com/opencontainers/runtime-spec/blob/main/config.md
 */
import type { Readable, Writable } from 'node:stream';
import type { Mount } from '../oci/index.js';

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
  readonly network: 'none' | 'host';
  readonly mounts?: readonly ContainerMount[];
  readonly tty?: boolean;
  readonly limits?: { readonly memoryBytes?: number; readonly pids?: number };
  /** Lines added to /etc/hosts (`--add-host`). */
  readonly extraHosts?: readonly ExtraHost[];
  /** Size of /dev/shm in bytes. @default 64 MiB */
  readonly shmSize?: number;
  /** Process resource limits (`--ulimit`); they may only lower what kiln has unless it holds CAP_SYS_RESOURCE. */
  readonly rlimits?: readonly Rlimit[];
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
