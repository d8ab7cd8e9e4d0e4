/**
 * User-defined networks (`kiln network create`), under `<root>/network/networks/`:
 *
 * ```
 * <name>.json          the network (id, subnet, gateway), one file per name
 * <id>/netns           the network's namespace, holding its bridge `kiln0` (made when
 *                      a container first joins, removed by `kiln network rm`)
 * <id>/endpoints/<container id>.json   a running member: its address, names, hosts file
 * <id>.lock            serialises joins and leaves
 * ```
 *
 * A member gets a veth pair: one end on the bridge, the other as `eth1` in
 * its own namespace with an address from the subnet. Its outbound traffic
 * and published ports go through its own pasta (attach.ts), so the bridge
 * needs no NAT rules and the host no bridge: the host's network
 * configuration is never changed. Names resolve through /etc/hosts, which
 * kiln rewrites in every member when one comes or goes (Docker's embedded
 * DNS server answers the same questions).
 */
import { mkdir, open, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isMounted } from '../../executor/index.js';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { ifExists } from '../../util/if-exists.js';
import { withLock } from '../../util/lock.js';
import { selfTag, tagAlive } from '../../util/owner-tag.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { Joiner, Member } from './attach.js';
import { hostsFile, type HostEntry } from './etc.js';
import { createNetns, ipIn, removeNetns, run } from './netns.js';
import { addressAt, formatCidr, parseCidr, type Subnet } from './subnet.js';

/** A user-defined network. */
export interface NetworkRecord {
  readonly id: string;
  readonly name: string;
  readonly created: string;
  /** CIDR, e.g. `10.89.0.0/24`. */
  readonly subnet: string;
  readonly gateway: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A running member as the network records it. */
export interface Endpoint {
  readonly container: string;
  readonly name: string;
  readonly hostname: string;
  readonly aliases: readonly string[];
  readonly ip: string;
  readonly hostsPath: string;
  readonly extraHosts: readonly HostEntry[];
  /** The process running the container (a dead one's endpoint is dropped). */
  readonly owner: string;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const RESERVED = new Set(['bridge', 'host', 'none', 'default']);
/** Default subnets: 10.89.0.0/24, 10.89.1.0/24, … (podman's range for new networks). */
const DEFAULT_BASE = [10, 89];
const BRIDGE = 'kiln0';

export class NetworkStore implements Joiner {
  readonly #dir: string;

  constructor(root: string) {
    this.#dir = join(root, 'networks');
  }

  /** `kiln network create NAME [--subnet CIDR] [--gateway IP]`. */
  async create(name: string, options: { readonly subnet?: string; readonly gateway?: string; readonly labels?: Readonly<Record<string, string>> } = {}): Promise<NetworkRecord> {
    if (!NAME.test(name)) throw new InvalidArgumentError(`invalid network name ${JSON.stringify(name)}: expected [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
    if (RESERVED.has(name)) throw new InvalidArgumentError(`network name ${name} is reserved (a built-in network mode)`);
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    return withLock(join(this.#dir, 'create.lock'), async () => {
      const others = await this.list();
      if (others.some((n) => n.name === name)) throw new AlreadyExistsError(`network with name ${name} already exists`);
      const subnet = options.subnet === undefined ? freeSubnet(others) : parseCidr(options.subnet, '--subnet');
      for (const o of others) if (overlaps(subnet, parseCidr(o.subnet, 'subnet'))) throw new AlreadyExistsError(`--subnet ${formatCidr(subnet)} overlaps network ${o.name} (${o.subnet})`);
      const gateway = options.gateway ?? addressAt(subnet, 1);
      if (!contains(subnet, gateway)) throw new InvalidArgumentError(`--gateway ${gateway} is not in subnet ${formatCidr(subnet)}`);
      const record: NetworkRecord = { id: randomBytes(32).toString('hex'), name, created: new Date().toISOString(), subnet: formatCidr(subnet), gateway, labels: options.labels ?? {} };
      await writeFileAtomic(join(this.#dir, `${name}.json`), JSON.stringify(record, null, 2));
      return record;
    });
  }

  async list(): Promise<NetworkRecord[]> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    const out: NetworkRecord[] = [];
    for (const n of names.filter((x) => x.endsWith('.json'))) {
      const text = await ifExists(readFile(join(this.#dir, n), 'utf8'));
      if (text !== undefined) out.push(JSON.parse(text) as NetworkRecord);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** By name, full id or unique id prefix. */
  async get(ref: string): Promise<NetworkRecord> {
    const all = await this.list();
    const exact = all.find((n) => n.name === ref || n.id === ref);
    if (exact !== undefined) return exact;
    const byPrefix = ref.length >= 1 && /^[0-9a-f]+$/.test(ref) ? all.filter((n) => n.id.startsWith(ref)) : [];
    if (byPrefix.length === 1 && byPrefix[0] !== undefined) return byPrefix[0];
    if (byPrefix.length > 1) throw new InvalidArgumentError(`network ${ref} is ambiguous: ${byPrefix.map((n) => n.name).join(', ')}`);
    throw new NotFoundError(`network ${ref} not found`);
  }

  /** The running members (dead ones are dropped as they are found). */
  async endpoints(net: NetworkRecord): Promise<Endpoint[]> {
    const dir = join(this.#dir, net.id, 'endpoints');
    const out: Endpoint[] = [];
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      const text = await ifExists(readFile(join(dir, f), 'utf8'));
      if (text === undefined) continue;
      const e = JSON.parse(text) as Endpoint;
      if (tagAlive(e.owner) === false) await ifExists(unlink(join(dir, f)));
      else out.push(e);
    }
    return out;
  }

  /** `kiln network rm`: refused while containers run on it; removes the bridge namespace. */
  async remove(ref: string): Promise<NetworkRecord> {
    const net = await this.get(ref);
    return this.#locked(net, async () => {
      const live = await this.endpoints(net);
      if (live.length > 0) throw new FailedPreconditionError(`network ${net.name} has active endpoints: ${live.map((e) => e.name).join(', ')}`);
      await removeNetns(join(this.#dir, net.id, 'netns'));
      await rm(join(this.#dir, net.id), { recursive: true, force: true });
      await ifExists(unlink(join(this.#dir, `${net.name}.json`)));
      return net;
    });
  }

  /** Joins a container to `network` (its namespace must exist); returns the undo. */
  async join(c: Member, network: string): Promise<() => Promise<void>> {
    const net = await this.get(network);
    await this.#locked(net, async () => {
      const taken = (await this.endpoints(net)).filter((e) => e.container !== c.id);
      const netns = await this.#infra(net);
      const subnet = parseCidr(net.subnet, 'subnet');
      const used = new Set([net.gateway, ...taken.map((e) => e.ip)]);
      let ip: string | undefined;
      for (let i = 2; i < subnet.size - 1; i++) {
        const candidate = addressAt(subnet, i);
        if (!used.has(candidate)) {
          ip = candidate;
          break;
        }
      }
      if (ip === undefined) throw new FailedPreconditionError(`network ${net.name} has no free address left in ${net.subnet}`);
      const veth = vethName(c.id, net.id);
      const ifname = await freeIfname(c.netns);
      await ipIn(netns, [`link add ${veth} type veth peer name ${ifname} netns ${c.netns}`, `link set ${veth} master ${BRIDGE} up`]);
      await ipIn(c.netns, [`addr add ${ip}/${subnet.prefix} dev ${ifname}`, `link set ${ifname} up`]);
      const endpoint: Endpoint = { container: c.id, name: c.name, hostname: c.hostname, aliases: c.aliases, ip, hostsPath: c.hostsPath, extraHosts: c.extraHosts, owner: c.owner ?? selfTag() };
      await mkdir(join(this.#dir, net.id, 'endpoints'), { recursive: true });
      await writeFile(join(this.#dir, net.id, 'endpoints', `${c.id}.json`), JSON.stringify(endpoint));
    });
    await this.#refreshHosts();
    return () => this.leave(c.id, net.name);
  }

  /** Takes a container off a network (its veth goes with it). */
  async leave(container: string, network: string): Promise<void> {
    const net = await this.get(network);
    await this.#locked(net, async () => {
      const file = join(this.#dir, net.id, 'endpoints', `${container}.json`);
      if ((await ifExists(readFile(file))) === undefined) throw new NotFoundError(`container ${container} is not connected to network ${net.name}`);
      const netns = join(this.#dir, net.id, 'netns');
      if (await isMounted(netns)) await ipIn(netns, [`link del ${vethName(container, net.id)}`]).catch(() => undefined);
      await unlink(file);
    });
    await this.#refreshHosts();
  }

  async leaveAll(container: string): Promise<void> {
    for (const m of await this.membership(container)) await this.leave(container, m.network.name).catch(() => undefined);
  }

  /** The networks a container is on, with its address on each. */
  async membership(container: string): Promise<{ network: NetworkRecord; endpoint: Endpoint }[]> {
    const out: { network: NetworkRecord; endpoint: Endpoint }[] = [];
    for (const n of await this.list()) for (const e of await this.endpoints(n)) if (e.container === container) out.push({ network: n, endpoint: e });
    return out;
  }

  /** Rewrites every running member's /etc/hosts: itself, the members of its networks, its --add-host entries. */
  async #refreshHosts(): Promise<void> {
    const byNet = new Map<string, Endpoint[]>();
    for (const n of await this.list()) byNet.set(n.id, await this.endpoints(n));
    const all = [...byNet.values()].flat();
    for (const e of all) {
      const nets = [...byNet.values()].filter((eps) => eps.some((x) => x.container === e.container));
      const peers = new Map<string, HostEntry>();
      for (const eps of nets) for (const p of eps) if (p.container !== e.container) peers.set(`${p.container}@${p.ip}`, { ip: p.ip, names: unique([p.name, ...p.aliases, p.hostname]) });
      const self = { ip: e.ip, names: unique([e.hostname, e.name, ...e.aliases]) };
      // In place (same inode): the file is bind-mounted into the running container.
      await ifExists(truncateTo(e.hostsPath, hostsFile(self, [...peers.values()], e.extraHosts)));
    }
  }

  /** The network's namespace with its bridge, made if missing (first join, or after a reboot). */
  async #infra(net: NetworkRecord): Promise<string> {
    const dir = join(this.#dir, net.id);
    const netns = join(dir, 'netns');
    if (await isMounted(netns)) return netns;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await removeNetns(netns);
    await createNetns(netns);
    const subnet = parseCidr(net.subnet, 'subnet');
    await ipIn(netns, [`link add ${BRIDGE} type bridge`, `addr add ${net.gateway}/${subnet.prefix} dev ${BRIDGE}`, `link set ${BRIDGE} up`]);
    return netns;
  }

  #locked<T>(net: NetworkRecord, fn: () => Promise<T>): Promise<T> {
    return withLock(join(this.#dir, `${net.id}.lock`), fn);
  }
}

async function truncateTo(path: string, text: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(0);
    await fh.write(text, 0, 'utf8');
  } finally {
    await fh.close();
  }
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names.filter((n) => n !== ''))];
}

/** Host-side veth names are at most 15 bytes and unique per container and network. */
function vethName(container: string, network: string): string {
  return `vk${container.slice(0, 7)}${network.slice(0, 6)}`;
}

/** `eth1`, `eth2`, … : the first name free in the container's namespace (pasta's tap is eth0). */
async function freeIfname(netns: string): Promise<string> {
  const out = await run('nsenter', [`--net=${netns}`, '--', 'ip', '-o', 'link', 'show']);
  for (let i = 1; ; i++) if (!out.includes(`: eth${i}:`) && !out.includes(`: eth${i}@`)) return `eth${i}`;
}

function freeSubnet(others: readonly NetworkRecord[]): Subnet {
  const taken = others.map((o) => parseCidr(o.subnet, 'subnet'));
  for (let third = 0; third < 256; third++) {
    const s = parseCidr(`${DEFAULT_BASE[0]}.${DEFAULT_BASE[1]}.${third}.0/24`, 'subnet');
    if (!taken.some((t) => overlaps(s, t))) return s;
  }
  throw new FailedPreconditionError('no free default subnet left in 10.89.0.0/16: give one with --subnet');
}

function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

function contains(s: Subnet, ip: string): boolean {
  const n = parseCidr(`${ip}/32`, '--gateway').base;
  return n >= s.base && n < s.base + s.size;
}
