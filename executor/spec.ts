/**
 * RunSpec → OCI runtime spec (config.json), following Docker's defaults for
 * a non-privileged container. Pure: everything host-specific comes in
 * through {@link SpecContext}.
 * https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md
 */
import { InvalidArgumentError } from '../util/errors.js';
import { cleanPath } from '../util/go-path-clean.js';
import type { OciLinux, OciMount, OciProcess, OciSpec } from './oci.js';
import { tweakCapabilities } from './capabilities.js';
import { defaultSeccompProfile } from './seccomp.js';
import { DEFAULT_CAPABILITIES, DEFAULT_PATH, DEVICE_RULES, MASKED_PATHS, READONLY_PATHS, systemMounts } from './spec-defaults.js';
import type { ContainerMount, RunSpec } from './types.js';
import type { ResolvedUser } from '../util/user.js';

/** Host paths and facts the spec needs besides the RunSpec. */
export interface SpecContext {
  /** Absolute host path of the mounted rootfs. */
  readonly rootfsPath: string;
  readonly user: ResolvedUser;
  /** Host files bound on /etc/hosts, /etc/resolv.conf and /etc/hostname. */
  readonly hostsPath: string;
  readonly resolvPath: string;
  readonly hostnamePath: string;
  /** Node's `process.arch` naming; picks the seccomp architectures. */
  readonly arch: string;
  /** Host-specific paths to mask besides Docker's list (e.g. per-CPU thermal_throttle). */
  readonly extraMaskedPaths?: readonly string[];
  /** The kernel accounts swap per cgroup (memory.memsw.* / memory.swap.max exist), so a swap limit can be set. */
  readonly swapLimit?: boolean;
  /** https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config-linux.md#cgroups-path; unset: the runtime's default. */
  readonly cgroupsPath?: string;
  /**
   * kiln runs rootless, as uid 0 of its own user namespace (util/rootless.ts):
   * no cgroup resources (nothing is delegated to it), /sys bound rather than
   * mounted where the container shares the host's network (sysfs needs a
   * network namespace of its own there), and with only the user mapped
   * (`self`) no devpts `gid=5`, which would name an unmapped group.
   */
  readonly rootless?: 'range' | 'self';
}

/** The OCI runtime spec for `spec`. Throws InvalidArgumentError for a spec no runtime could run. */
export function toRuntimeSpec(spec: RunSpec, ctx: SpecContext): OciSpec {
  check(spec);
  const hostname = containerHostname(spec);
  return {
    ociVersion: '1.0.2',
    process: processOf(spec, ctx.user, hostname),
    root: { path: ctx.rootfsPath, readonly: spec.readonlyRootfs === true },
    hostname,
    mounts: containerMounts(spec, ctx),
    linux: linuxOf(spec, ctx),
  };
}

/** The container's hostname: the caller's, else the first 12 characters of the id (Docker's short id). */
export function containerHostname(spec: RunSpec): string {
  if (spec.hostname !== undefined) return spec.hostname;
  const short = spec.id.slice(0, 12).replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return short === '' ? 'kiln' : short;
}

/**
 * The process environment like `docker run`: PATH and HOSTNAME (and TERM
 * with a terminal) first, replaced in place by the caller's entries, then
 * HOME from /etc/passwd when unset. A `KEY` without `=` removes KEY.
 * `hostname: null` sets no HOSTNAME (BuildKit's RUN steps).
 */
export function containerEnv(env: readonly string[], defaults: { hostname: string | null; tty: boolean; home: string }): string[] {
  const out = new Map<string, string>([['PATH', DEFAULT_PATH]]);
  if (defaults.hostname !== null) out.set('HOSTNAME', defaults.hostname);
  if (defaults.tty) out.set('TERM', 'xterm');
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq < 0) out.delete(entry);
    else out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  if (!out.has('HOME')) out.set('HOME', defaults.home);
  return [...out].map(([k, v]) => `${k}=${v}`);
}

/**
 * The supplementary groups with the primary group first when missing, as
 * BuildKit and containerd do since CVE-2023-25173 (GHSA-hmfx-3pcx-653p): a
 * process must not drop its primary group from its group list, which would
 * let it reach files denied to that group.
 */
export function withPrimaryGid(user: Pick<ResolvedUser, 'gid' | 'additionalGids'>): number[] {
  return user.additionalGids.includes(user.gid) ? [...user.additionalGids] : [user.gid, ...user.additionalGids];
}

function processOf(spec: RunSpec, user: ResolvedUser, hostname: string): OciProcess {
  const tty = spec.tty === true;
  const caps = spec.capAdd === undefined && spec.capDrop === undefined ? DEFAULT_CAPABILITIES : tweakCapabilities(spec.capAdd ?? [], spec.capDrop ?? []);
  return {
    terminal: tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: withPrimaryGid(user) },
    args: spec.args,
    env: containerEnv(spec.env, { hostname: spec.hostnameEnv === false ? null : hostname, tty, home: user.home }),
    cwd: spec.cwd ?? '/',
    // Like Docker: a non-root user gets the set only as its bounding set, so
    // it holds no capabilities unless it execs a file with file capabilities.
    capabilities:
      user.uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps },
    noNewPrivileges: true,
    // Without --ulimit no rlimits: the container inherits the runtime's; raising them needs CAP_SYS_RESOURCE.
    ...(spec.rlimits === undefined || spec.rlimits.length === 0 ? {} : { rlimits: spec.rlimits.map((r) => ({ type: r.type, soft: r.soft, hard: r.hard })) }),
  };
}

/**
 * The container's mounts: Docker's kernel filesystems, the /etc files, then
 * the caller's mounts (parents first); a caller's mount replaces a default
 * one on the same destination.
 */
export function containerMounts(spec: RunSpec, ctx: Pick<SpecContext, 'hostsPath' | 'resolvPath' | 'hostnamePath' | 'rootless'>): OciMount[] {
  const etc = (destination: string, source: string): OciMount => ({ destination, type: 'bind', source, options: ['rbind', 'rprivate'] });
  const user = sortByDepth(spec.mounts ?? []).map(userMount);
  const taken = new Set(user.map((m) => m.destination));
  const defaults = [
    ...systemMounts().map((m) => rootlessMount(withShmSize(m, spec.shmSize), spec.network, ctx.rootless)),
    etc('/etc/resolv.conf', ctx.resolvPath),
    etc('/etc/hostname', ctx.hostnamePath),
    etc('/etc/hosts', ctx.hostsPath),
  ];
  return [...defaults.filter((m) => !taken.has(m.destination)), ...user];
}

/** Docker's /dev/shm with `shmSize` bytes instead of 64 MiB. */
function withShmSize(m: OciMount, shmSize: number | undefined): OciMount {
  if (shmSize === undefined || m.destination !== '/dev/shm') return m;
  return { ...m, options: [...(m.options ?? []).filter((o) => !o.startsWith('size=')), `size=${Math.ceil(shmSize / 1024)}k`] };
}

/** A kernel filesystem as a rootless container can have it (see {@link SpecContext.rootless}). */
function rootlessMount(m: OciMount, network: RunSpec['network'], rootless: SpecContext['rootless']): OciMount {
  if (rootless === undefined) return m;
  if (m.type === 'sysfs' && network === 'host') return { destination: m.destination, type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
  if (m.type === 'devpts' && rootless === 'self') return { ...m, options: (m.options ?? []).filter((o) => !o.startsWith('gid=')) };
  return m;
}

function userMount(m: ContainerMount): OciMount {
  const destination = cleanPath(m.destination);
  switch (m.type) {
    case 'bind':
      return { destination, type: 'bind', source: m.source, options: ['rbind', 'rprivate', m.readonly ? 'ro' : 'rw'] };
    case 'tmpfs':
      return { destination, type: 'tmpfs', source: 'tmpfs', options: m.options ?? ['nosuid', 'nodev', 'noexec'] };
    default: {
      const never: never = m;
      throw new InvalidArgumentError(`unknown mount type ${JSON.stringify((never as { type: unknown }).type)}`);
    }
  }
}

/** Parents before children (Docker sorts mounts by destination depth), stable otherwise. */
function sortByDepth(mounts: readonly ContainerMount[]): ContainerMount[] {
  const depth = (m: ContainerMount): number => cleanPath(m.destination).split('/').length;
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}

function linuxOf(spec: RunSpec, ctx: SpecContext): OciLinux {
  // A cgroup namespace too (Docker's default on cgroup v2; runc and crun handle it on hybrid hosts):
  // /proc/self/cgroup then shows no host cgroup paths. Never a user namespace.
  const namespaces: OciLinux['namespaces'] = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
    { type: 'cgroup' },
    ...networkNamespace(spec.network),
  ];
  return {
    namespaces,
    devices: [],
    // Rootless: no device cgroup rules either (the runtime binds the default devices, a user namespace cannot mknod).
    resources: ctx.rootless !== undefined ? { devices: [] } : { devices: DEVICE_RULES, ...resourcesOf(spec.limits, ctx.swapLimit === true) },
    ...(ctx.cgroupsPath !== undefined && ctx.rootless === undefined ? { cgroupsPath: ctx.cgroupsPath } : {}),
    maskedPaths: [...MASKED_PATHS, ...(ctx.extraMaskedPaths ?? [])],
    readonlyPaths: READONLY_PATHS,
    ...(spec.seccomp === 'unconfined' ? {} : { seccomp: spec.seccomp ?? defaultSeccompProfile(ctx.arch) }),
  };
}

function networkNamespace(network: RunSpec['network']): OciLinux['namespaces'] {
  if (network === 'host') return [];
  if (network === 'none') return [{ type: 'network' }];
  return [{ type: 'network', path: network.netns }];
}

/** CFS period for `--cpus` (Docker's: 100 ms). */
export const CPU_PERIOD_US = 100_000;

/**
 * The limits as linux.resources. `--memory-swap` unset means as much swap
 * as memory (Docker's); it is left out where the kernel does not account
 * swap (`swapLimit` false), as Docker does with a warning.
 */
function resourcesOf(limits: RunSpec['limits'], swapLimit: boolean): Omit<OciLinux['resources'], 'devices'> {
  const { memoryBytes, memorySwapBytes, nanoCpus, cpuShares, pids, cpuPeriod, cpuQuota, cpusetCpus, cpusetMems } = limits ?? {};
  const swap = memorySwapBytes ?? (memoryBytes === undefined ? undefined : memoryBytes * 2);
  const memory = memoryBytes === undefined ? undefined : { limit: memoryBytes, ...(swapLimit && swap !== undefined ? { swap } : {}) };
  const cpu = {
    ...(cpuShares !== undefined && cpuShares > 0 ? { shares: cpuShares } : {}),
    ...(nanoCpus !== undefined && nanoCpus > 0 ? { quota: Math.round((nanoCpus * CPU_PERIOD_US) / 1e9), period: CPU_PERIOD_US } : {}),
    ...(cpuPeriod !== undefined && cpuPeriod > 0 ? { period: cpuPeriod } : {}),
    ...(cpuQuota !== undefined && cpuQuota > 0 ? { quota: cpuQuota } : {}),
    ...(cpusetCpus === undefined ? {} : { cpus: cpusetCpus }),
    ...(cpusetMems === undefined ? {} : { mems: cpusetMems }),
  };
  return {
    ...(memory === undefined ? {} : { memory }),
    ...(Object.keys(cpu).length > 0 ? { cpu } : {}),
    ...(pids !== undefined && pids > 0 ? { pids: { limit: pids } } : {}),
  };
}

/** RFC 1123 host names, as Docker validates `--hostname`; the kernel takes at most 64 bytes. */
const HOSTNAME = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

function check(spec: RunSpec): void {
  if (spec.args.length === 0 || spec.args[0] === '') throw new InvalidArgumentError(`container ${spec.id}: no command to run`);
  if (spec.hostname !== undefined && !(HOSTNAME.test(spec.hostname) && spec.hostname.length <= 64)) {
    throw new InvalidArgumentError(`container ${spec.id}: invalid hostname ${JSON.stringify(spec.hostname)}: expected letters, digits, - and ., at most 64 characters`);
  }
  if (spec.cwd !== undefined && !spec.cwd.startsWith('/')) {
    throw new InvalidArgumentError(`container ${spec.id}: working directory ${JSON.stringify(spec.cwd)} is not an absolute path`);
  }
  for (const m of spec.mounts ?? []) {
    if (!m.destination.startsWith('/')) {
      throw new InvalidArgumentError(`container ${spec.id}: mount destination ${JSON.stringify(m.destination)} is not an absolute path`);
    }
  }
  checkLimits(spec.id, spec.limits ?? {});
}

function checkLimits(id: string, l: NonNullable<RunSpec['limits']>): void {
  const { memoryBytes, memorySwapBytes, nanoCpus, cpuShares, pids } = l;
  if (memoryBytes !== undefined && !(Number.isSafeInteger(memoryBytes) && memoryBytes >= 6 << 20)) {
    throw new InvalidArgumentError(`container ${id}: memory limit ${memoryBytes} must be a whole number of bytes, at least 6 MiB`);
  }
  if (memorySwapBytes !== undefined && memorySwapBytes !== -1) {
    if (memoryBytes === undefined) throw new InvalidArgumentError(`container ${id}: a memory-swap limit needs a memory limit too (--memory)`);
    if (!(Number.isSafeInteger(memorySwapBytes) && memorySwapBytes >= memoryBytes)) {
      throw new InvalidArgumentError(`container ${id}: memory-swap limit ${memorySwapBytes} must be at least the memory limit ${memoryBytes} (it counts memory plus swap), or -1`);
    }
  }
  if (nanoCpus !== undefined && !(Number.isSafeInteger(nanoCpus) && nanoCpus >= 0)) throw new InvalidArgumentError(`container ${id}: cpus ${nanoCpus / 1e9} must be a positive number`);
  if (cpuShares !== undefined && !(Number.isSafeInteger(cpuShares) && cpuShares >= 0)) throw new InvalidArgumentError(`container ${id}: cpu shares ${cpuShares} must be a whole number`);
  // The kernel's CFS bounds: a period of 1 ms to 1 s, a quota of at least 1 ms.
  if (l.cpuPeriod !== undefined && !(Number.isSafeInteger(l.cpuPeriod) && (l.cpuPeriod === 0 || (l.cpuPeriod >= 1000 && l.cpuPeriod <= 1_000_000)))) {
    throw new InvalidArgumentError(`container ${id}: cpu period ${l.cpuPeriod} must be between 1000 and 1000000 microseconds`);
  }
  if (l.cpuQuota !== undefined && !(Number.isSafeInteger(l.cpuQuota) && (l.cpuQuota <= 0 || l.cpuQuota >= 1000))) throw new InvalidArgumentError(`container ${id}: cpu quota ${l.cpuQuota} must be at least 1000 microseconds`);
  for (const [flag, v] of [['cpuset-cpus', l.cpusetCpus], ['cpuset-mems', l.cpusetMems]] as const) {
    if (v !== undefined && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw new InvalidArgumentError(`container ${id}: --${flag} ${JSON.stringify(v)}: expected a list such as 0-2,4`);
  }
  if (pids !== undefined && !(Number.isSafeInteger(pids) && (pids > 0 || pids === -1 || pids === 0))) {
    throw new InvalidArgumentError(`container ${id}: pids limit ${pids} must be a positive whole number (or -1: unlimited)`);
  }
}
