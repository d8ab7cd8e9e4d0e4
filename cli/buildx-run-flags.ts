/**
 * buildx's flags for RUN steps' containers: `--add-host`, `--shm-size` and
 * `--ulimit`, checked up front so a bad value fails before anything runs.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ExtraHost, Rlimit } from '../executor/index.js';
import { InvalidArgumentError } from '../util/errors.js';
import { parseSize } from './units.js';

/** `host:ip` (or buildx's `host=ip`); an IPv6 address keeps its colons. */
export function parseAddHost(spec: string): ExtraHost {
  const sep = /[:=]/.exec(spec);
  const name = sep === null ? '' : spec.slice(0, sep.index);
  const ip = sep === null ? '' : spec.slice(sep.index + 1).replace(/^\[(.*)\]$/, '$1');
  if (name === '' || !/^[A-Za-z0-9._-]+$/.test(name)) throw new InvalidArgumentError(`invalid --add-host ${JSON.stringify(spec)}: expected host:ip`);
  if (ip === 'host-gateway') throw new InvalidArgumentError(`--add-host ${spec}: host-gateway needs a bridge network; kiln's RUN steps share the host's network, so use 127.0.0.1`);
  if (isIP(ip) === 0) throw new InvalidArgumentError(`invalid --add-host ${JSON.stringify(spec)}: ${JSON.stringify(ip)} is not an IP address`);
  return { name, ip };
}

/** `--shm-size`: docker's sizes (`64m`, `1g`, bytes). */
export function parseShmSize(spec: string): number {
  const n = parseSize(spec, 'invalid --shm-size');
  if (n <= 0) throw new InvalidArgumentError(`invalid --shm-size ${JSON.stringify(spec)}: must be more than 0`);
  return n;
}

/** docker's ulimit names → the kernel's resource and /proc/self/limits's row. */
const ULIMITS: Readonly<Record<string, readonly [string, string]>> = {
  core: ['RLIMIT_CORE', 'Max core file size'],
  cpu: ['RLIMIT_CPU', 'Max cpu time'],
  data: ['RLIMIT_DATA', 'Max data size'],
  fsize: ['RLIMIT_FSIZE', 'Max file size'],
  locks: ['RLIMIT_LOCKS', 'Max file locks'],
  memlock: ['RLIMIT_MEMLOCK', 'Max locked memory'],
  msgqueue: ['RLIMIT_MSGQUEUE', 'Max msgqueue size'],
  nice: ['RLIMIT_NICE', 'Max nice priority'],
  nofile: ['RLIMIT_NOFILE', 'Max open files'],
  nproc: ['RLIMIT_NPROC', 'Max processes'],
  rss: ['RLIMIT_RSS', 'Max resident set'],
  rtprio: ['RLIMIT_RTPRIO', 'Max realtime priority'],
  rttime: ['RLIMIT_RTTIME', 'Max realtime timeout'],
  sigpending: ['RLIMIT_SIGPENDING', 'Max pending signals'],
  stack: ['RLIMIT_STACK', 'Max stack size'],
  as: ['RLIMIT_AS', 'Max address space'],
};

/** What the container may get: kiln's own hard limits (Infinity: unlimited), and whether it may raise them. */
export interface HostLimits {
  hard(row: string): number;
  readonly canRaise: boolean;
}

/** This process's limits (/proc/self/limits) and CAP_SYS_RESOURCE (bit 24 of CapEff). */
export function hostLimits(limitsText = readFileSync('/proc/self/limits', 'utf8'), statusText = readFileSync('/proc/self/status', 'utf8')): HostLimits {
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(statusText)?.[1] ?? '0';
  return {
    canRaise: (BigInt(`0x${capEff}`) & (1n << 24n)) !== 0n,
    hard(row) {
      const line = limitsText.split('\n').find((l) => l.startsWith(row));
      const hard = line?.slice(row.length).trim().split(/\s+/)[1];
      return hard === undefined || hard === 'unlimited' ? Infinity : Number(hard);
    },
  };
}

/**
 * `--ulimit type=soft[:hard]` (hard defaults to soft). The container's init
 * sets them without CAP_SYS_RESOURCE on hosts like this one, so a hard limit
 * above kiln's own is refused here rather than failing inside the runtime.
 */
export function parseUlimit(spec: string, host: HostLimits): Rlimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (m === null) throw new InvalidArgumentError(`invalid --ulimit ${JSON.stringify(spec)}: expected type=soft[:hard], e.g. nofile=1024:2048`);
  const [, name = '', softText = '', hardText] = m;
  const known = ULIMITS[name];
  if (known === undefined) throw new InvalidArgumentError(`invalid --ulimit ${JSON.stringify(spec)}: unknown type ${JSON.stringify(name)} (expected one of ${Object.keys(ULIMITS).join(', ')})`);
  const soft = Number(softText);
  const hard = hardText === undefined ? soft : Number(hardText);
  if (soft < 0 || hard < 0) throw new InvalidArgumentError(`--ulimit ${spec}: unlimited (-1) is not supported; give a number`);
  if (soft > hard) throw new InvalidArgumentError(`invalid --ulimit ${JSON.stringify(spec)}: soft limit ${soft} is above hard limit ${hard}`);
  const max = host.hard(known[1]);
  if (!host.canRaise && hard > max) {
    throw new InvalidArgumentError(`--ulimit ${spec}: ${hard} is above kiln's own hard limit ${max}, and raising it needs CAP_SYS_RESOURCE, which kiln does not hold here; only lower limits can be set`);
  }
  return { type: known[0], soft, hard };
}
