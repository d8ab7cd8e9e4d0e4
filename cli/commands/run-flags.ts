/**
 * `kiln run`'s network, resource and hardening flags (docker run's names
 * and meanings) → the parts of a CreateRequest they fill.
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { Option, type Command } from 'commander';
import type { NetworkSettings, ResourceLimits, SecurityOptions } from '../../containers/index.js';
import { checkDns, parseAddHost, parsePublish, seccompFromDockerProfile } from '../../containers/flags.js';
import { DEFAULT_CAPABILITIES, tweakCapabilities, type Rlimit } from '../../executor/index.js';
import { InvalidArgumentError, NotImplementedError, UnavailableError } from '../../util/errors.js';
import { hostLimits, parseUlimit } from '../buildx-run-flags.js';
import { parseSize } from '../units.js';

export interface RunFlagValues {
  network: string;
  publish: string[];
  publishAll?: boolean;
  hostname?: string;
  addHost: string[];
  dns: string[];
  networkAlias: string[];
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  readOnly?: boolean;
  tmpfs: string[];
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  ulimit: string[];
  init?: boolean;
  groupAdd: string[];
  label: string[];
  privileged?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Adds the flags to `run` (and later `create`). */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--network <mode>', 'bridge (a private network with outbound access, the default), host, none, or a network from `kiln network create`').default('bridge'))
    .option('-p, --publish <[ip:][hostPort:]containerPort[/proto]>', 'publish a container port on the host', collect, [])
    .option('-P, --publish-all', 'publish every EXPOSEd port on a random host port')
    .option('-h, --hostname <name>', 'container host name')
    .option('--add-host <name:ip>', 'add a line to /etc/hosts', collect, [])
    .option('--dns <ip>', 'name server for /etc/resolv.conf', collect, [])
    .option('--network-alias <alias>', 'another name for the container on its user-defined network', collect, [])
    .option('-m, --memory <size>', 'memory limit (e.g. 32m, 1g)')
    .option('--memory-swap <size>', 'memory plus swap limit; -1: unlimited swap')
    .option('--cpus <n>', 'number of CPUs (e.g. 1.5)')
    .option('-c, --cpu-shares <n>', 'relative CPU weight')
    .option('--pids-limit <n>', 'maximum number of processes (-1: unlimited)')
    .option('--read-only', 'mount the root filesystem read-only')
    .option('--tmpfs <path[:options]>', 'mount a tmpfs', collect, [])
    .option('--cap-add <cap>', 'add a Linux capability', collect, [])
    .option('--cap-drop <cap>', 'drop a Linux capability', collect, [])
    .option('--security-opt <opt>', 'no-new-privileges, seccomp=unconfined or seccomp=PROFILE.json (docker\'s profile format)', collect, [])
    .option('--ulimit <type=soft[:hard]>', 'resource limit, e.g. nofile=1024:2048 (only lowering works without CAP_SYS_RESOURCE)', collect, [])
    .option('--init', 'run tini as PID 1 to reap zombies and forward signals')
    .option('--group-add <group>', 'add a supplementary group', collect, [])
    .option('-l, --label <K=V>', 'set a container label', collect, [])
    .option('--privileged', 'every capability, no seccomp, the host devices, writable /sys (for kiln or mount inside)');
}

/** The network part of the request. */
export function networkOf(o: RunFlagValues): NetworkSettings {
  if (o.network === '') throw new InvalidArgumentError('--network: expected bridge, host, none or a network name');
  const mode = o.network === 'default' ? 'bridge' : o.network;
  if (mode.startsWith('container:')) throw new InvalidArgumentError('--network container:NAME is not implemented');
  if (o.networkAlias.length > 0 && ['bridge', 'host', 'none'].includes(mode)) throw new InvalidArgumentError('--network-alias is only for user-defined networks');
  return {
    mode,
    ports: o.publish.map(parsePublish),
    publishAll: o.publishAll === true,
    ...(o.hostname === undefined ? {} : { hostname: o.hostname }),
    extraHosts: o.addHost.map(parseAddHost),
    dns: o.dns.map(checkDns),
    aliases: o.networkAlias,
  };
}

/** cgroup limits, or undefined when no flag asks for one. */
export function limitsOf(o: RunFlagValues): ResourceLimits | undefined {
  const int = (text: string, what: string, min: number): number => {
    if (!/^-?\d+$/.test(text) || Number(text) < min) throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(text)}: expected a whole number, at least ${min}`);
    return Number(text);
  };
  const limits: ResourceLimits = {
    ...(o.memory === undefined ? {} : { memoryBytes: parseSize(o.memory, '--memory') }),
    ...(o.memorySwap === undefined ? {} : { memorySwapBytes: o.memorySwap === '-1' ? -1 : parseSize(o.memorySwap, '--memory-swap') }),
    ...(o.cpus === undefined ? {} : { nanoCpus: cpus(o.cpus) }),
    ...(o.cpuShares === undefined ? {} : { cpuShares: int(o.cpuShares, '--cpu-shares', 0) }),
    ...(o.pidsLimit === undefined ? {} : { pids: int(o.pidsLimit, '--pids-limit', -1) }),
  };
  return Object.keys(limits).length === 0 ? undefined : limits;
}

function cpus(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw new InvalidArgumentError(`invalid --cpus ${JSON.stringify(text)}: expected a positive number such as 1.5`);
  return Math.round(n * 1e9);
}

/** Where Debian's tini-static is (`apt-get install tini`); a static binary runs in any image. */
const TINI = ['/usr/bin/tini-static', '/usr/bin/tini'];

/** `--security-opt`: no-new-privileges (always on), `seccomp=unconfined|FILE`; the seccomp choice. */
function securityOpts(o: RunFlagValues): SecurityOptions['seccomp'] {
  let seccomp: SecurityOptions['seccomp'];
  for (const opt of o.securityOpt) {
    // no_new_privileges is always on in kiln (DESIGN.md), so asking for it is a no-op.
    if (/^no-new-privileges(:true|=true)?$/.test(opt)) continue;
    const m = /^seccomp[=:](.*)$/s.exec(opt);
    if (m === null) {
      if (/^(apparmor|label|systempaths|mask|unmask|proc-opts)[=:]/.test(opt)) throw new NotImplementedError(`--security-opt ${opt}`);
      throw new InvalidArgumentError(`invalid --security-opt ${JSON.stringify(opt)}: expected no-new-privileges, seccomp=unconfined or seccomp=PROFILE.json`);
    }
    const value = m[1] ?? '';
    if (value === 'unconfined') seccomp = 'unconfined';
    else if (value === '' || value === 'builtin') seccomp = undefined;
    else seccomp = seccompFromDockerProfile(readProfile(value), value, { arch: process.arch, capabilities: o.capAdd.length + o.capDrop.length === 0 ? DEFAULT_CAPABILITIES : tweakCapabilities(o.capAdd, o.capDrop), kernel: release() });
  }
  return seccomp;
}

function readProfile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`--security-opt seccomp=${file}: cannot read the profile (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Hardening flags, or undefined when none is given. */
export function securityOf(o: RunFlagValues): SecurityOptions | undefined {
  const seccomp = securityOpts(o);
  const rlimits = o.ulimit.length === 0 ? undefined : ulimits(o.ulimit);
  const tmpfs = o.tmpfs.map((t) => {
    const colon = t.indexOf(':');
    const destination = colon < 0 ? t : t.slice(0, colon);
    if (!destination.startsWith('/')) throw new InvalidArgumentError(`--tmpfs ${JSON.stringify(t)}: the path must be absolute`);
    const options = colon < 0 ? ['nosuid', 'nodev', 'noexec'] : t.slice(colon + 1).split(',').filter((x) => x !== '');
    return { destination, options };
  });
  let init: string | undefined;
  if (o.init === true) {
    init = TINI.find((p) => existsSync(p));
    if (init === undefined) throw new UnavailableError('--init needs tini on the host: apt-get install tini');
  }
  const any = o.readOnly === true || tmpfs.length > 0 || o.capAdd.length > 0 || o.capDrop.length > 0 || o.groupAdd.length > 0 || init !== undefined || seccomp !== undefined || rlimits !== undefined || o.privileged === true;
  if (!any) return undefined;
  return {
    readonlyRootfs: o.readOnly === true,
    tmpfs,
    capAdd: o.capAdd,
    capDrop: o.capDrop,
    groupAdd: o.groupAdd,
    ...(init === undefined ? {} : { init }),
    ...(seccomp === undefined ? {} : { seccomp }),
    ...(rlimits === undefined ? {} : { rlimits }),
    ...(o.privileged === true ? { privileged: true } : {}),
  };
}

/** `--ulimit`s; a name given twice keeps the last (docker's). */
function ulimits(specs: readonly string[]): Rlimit[] {
  const host = hostLimits();
  const byType = new Map<string, Rlimit>();
  for (const u of specs) {
    const r = parseUlimit(u, host);
    byType.set(r.type, r);
  }
  return [...byType.values()];
}

/** `--label K=V` (K alone: empty value). */
export function labelsOf(o: RunFlagValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of o.label) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw new InvalidArgumentError(`--label ${JSON.stringify(l)}: expected KEY=VALUE`);
    out[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}
