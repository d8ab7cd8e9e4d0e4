/**
 * The container model: what a container is (its record, fixed at create,
 * except its name), what it is doing (its state, written by its supervisor),
 * and what creating one takes. Docker's field meanings throughout:
 * https://docs.docker.com/reference/api/engine/version/v1.45/#tag/Container
 */
import type { ContainerMount, OciSeccomp, Rlimit, RunSpec } from '../executor/index.js';
import type { NetworkSettings } from './network/index.js';

/** `--restart`: https://docs.docker.com/engine/containers/start-containers-automatically/ */
export type RestartPolicy =
  | { readonly name: 'no' }
  | { readonly name: 'on-failure'; /** 0: no limit. */ readonly maxRetries: number }
  | { readonly name: 'always' }
  | { readonly name: 'unless-stopped' };

/** `--log-opt` of docker's json-file driver. */
export interface LogOptions {
  /** Rotate when the current file would exceed this many bytes; undefined: never. */
  readonly maxSize?: number;
  /** Files kept, the current one included (max-file). @default 1 */
  readonly maxFile: number;
}

/** The network a container joins and what it publishes (containers/network). */
export type NetworkMode = NetworkSettings;

/** `--read-only`, `--tmpfs`, capabilities, groups, `--init`. */
export interface SecurityOptions {
  readonly readonlyRootfs: boolean;
  /** `--tmpfs /path[:options]`. */
  readonly tmpfs: readonly { readonly destination: string; readonly options: readonly string[] }[];
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly groupAdd: readonly string[];
  /** `--init`: tini as PID 1, bound read-only from the host (this path). */
  readonly init?: string;
  /** `--security-opt seccomp=FILE|unconfined`: the profile (converted when the container is created), or none. */
  readonly seccomp?: OciSeccomp | 'unconfined';
  /** `--ulimit`. */
  readonly rlimits?: readonly Rlimit[];
  /** `--privileged` (executor/privileged.ts). */
  readonly privileged?: boolean;
}

/** A volume in a container (containers/volumes): bound from `<root>/volumes/<name>/_data` at start. */
export interface VolumeMount {
  readonly type: 'volume';
  readonly name: string;
  readonly destination: string;
  readonly readonly: boolean;
  /** Made for this container: `rm -v` and `--rm` remove it with the container. */
  readonly anonymous: boolean;
}

/** A mount of a container record: the executor's kinds, or a volume. */
export type RecordMount = ContainerMount | VolumeMount;

/** cgroup limits (the executor's; resource flags fill them). */
export type ResourceLimits = NonNullable<RunSpec['limits']>;

/** What `kiln run`/`kiln create` asks for; flags already parsed, nothing resolved yet. */
export interface CreateRequest {
  /** Image reference or id; pulled when missing from the local store. */
  readonly image: string;
  /** Arguments after the image (replace its Cmd). */
  readonly args: readonly string[];
  readonly name?: string;
  readonly entrypoint?: string;
  readonly env: readonly string[];
  readonly envFile: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  /** `-v` specs: `/host:/ctr[:ro]`, `NAME:/ctr[:ro]`, `/ctr` (an anonymous volume). */
  readonly volumes: readonly string[];
  /** `--mount type=bind|volume|tmpfs,…` specs. */
  readonly mounts?: readonly string[];
  readonly network: NetworkMode;
  readonly limits?: ResourceLimits;
  readonly security?: SecurityOptions;
  readonly tty: boolean;
  /** `-i`: keep standard input open. */
  readonly interactive: boolean;
  /** `--rm`. */
  readonly autoRemove: boolean;
  readonly restart: RestartPolicy;
  readonly log: LogOptions;
  /** `--runtime` (runc, crun or a path); later commands on the container use the same. */
  readonly runtime?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** `--stop-signal`; default: the image's StopSignal, else SIGTERM. */
  readonly stopSignal?: string;
  /** `--stop-timeout` in seconds. @default 10 */
  readonly stopTimeout?: number;
}

/** A container as created; only `name` changes afterwards (`kiln rename`). */
export interface ContainerRecord {
  /** 64 hex digits. */
  readonly id: string;
  readonly name: string;
  /** RFC 3339. */
  readonly created: string;
  /** The reference the user gave, and the image id it resolved to. */
  readonly image: { readonly ref: string; readonly id: string };
  /** The snapshot holding the container's writable rootfs. */
  readonly snapshot: string;
  readonly process: { readonly args: readonly string[]; readonly env: readonly string[]; readonly cwd: string; readonly user?: string };
  readonly mounts: readonly RecordMount[];
  readonly network: NetworkMode;
  readonly limits?: ResourceLimits;
  readonly security?: SecurityOptions;
  readonly tty: boolean;
  readonly interactive: boolean;
  readonly autoRemove: boolean;
  readonly restart: RestartPolicy;
  readonly log: LogOptions;
  readonly runtime?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly stopSignal: string;
  readonly stopTimeout: number;
}

/** Docker's container states (no `paused`: kiln does not pause). */
export type ContainerStatus = 'created' | 'running' | 'restarting' | 'exited' | 'dead';

/** What a container is doing; written by its supervisor (or by kiln when it finds the supervisor gone). */
export interface ContainerState {
  readonly status: ContainerStatus;
  /** The supervising process (`<pid>-<starttime>`, util/owner-tag.ts) while running or restarting. */
  readonly supervisor?: string;
  /** RFC 3339; empty before the first start. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly exitCode: number;
  /** Why the container could not start, or why it is dead. */
  readonly error: string;
  readonly restartCount: number;
  /** The last run ended with a process OOM-killed (over its memory limit). */
  readonly oomKilled?: boolean;
}

/** A container: its record and its current (reconciled) state. */
export interface Container {
  readonly record: ContainerRecord;
  readonly state: ContainerState;
}
