/**
 * A container's network while it runs, under `<root>/network/containers/<id>/`:
 *
 * ```
 * owner        the process running the container (`<pid>-<starttime>`): a sweep
 *              removes the directory (and what it names) once that process is gone
 * netns        the container's network namespace (bind-mounted nsfs file)
 * pasta        pasta's process identity; pasta.pid, pasta.log its own files
 * ports.json   the published ports, random host ports resolved (`kiln port`)
 * hosts, resolv.conf   bound on /etc/hosts and /etc/resolv.conf
 * ```
 *
 * Modes: `bridge` (Docker's default name; here a private namespace with
 * pasta for outbound traffic and published ports), a user-defined network
 * (the same, plus a veth into the network's bridge: bridge.ts), `host`, `none`.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerMount, NetworkMode } from '../../executor/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { ifExists } from '../../util/if-exists.js';
import { selfTag, tagAlive } from '../../util/owner-tag.js';
import { hostsFile, resolvConf, type HostEntry } from './etc.js';
import { createNetns, removeNetns } from './netns.js';
import { startPasta, stopPasta } from './pasta.js';
import { allocatePorts, type PortBinding, type PortSpec } from './ports.js';

/** What a container asks of the network (fixed at create). */
export interface NetworkSettings {
  /** `bridge` (default), `host`, `none`, or a user-defined network's name. */
  readonly mode: string;
  readonly ports: readonly PortSpec[];
  /** `-P`: also every port the image EXPOSEs (resolved into `ports` at create). */
  readonly publishAll?: boolean;
  readonly hostname?: string;
  readonly extraHosts: readonly HostEntry[];
  readonly dns: readonly string[];
  /** `--network-alias` (user-defined networks only). */
  readonly aliases: readonly string[];
}

/** The network of a running container: what the executor gets, and how to undo it. */
export interface Attached {
  readonly network: NetworkMode;
  readonly mounts: readonly ContainerMount[];
  readonly hostname: string;
  readonly ports: readonly PortBinding[];
  release(): Promise<void>;
}

/** A container as its networks see it. */
export interface Member {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  readonly aliases: readonly string[];
  readonly netns: string;
  /** Its /etc/hosts, rewritten as containers come and go. */
  readonly hostsPath: string;
  readonly extraHosts: readonly HostEntry[];
  /** The process running the container; default: this one. */
  readonly owner?: string;
}

/** The peer-facing part of user-defined networks (bridge.ts), injected to keep this file about one container. */
export interface Joiner {
  /** Joins the container's namespace to its networks; returns its addresses (for /etc/hosts) and the undo. */
  join(c: Member, network: string): Promise<() => Promise<void>>;
  /** Takes the container off every network it is on (also those joined by `network connect`). */
  leaveAll(container: string): Promise<void>;
}

export function containerDir(root: string, id: string): string {
  return join(root, 'containers', id);
}

/** Sets up the container's network before it starts (see the module comment). */
export async function attach(root: string, id: string, name: string, s: NetworkSettings, joiner: Joiner, hostResolv: string): Promise<Attached> {
  const hostname = s.hostname ?? id.slice(0, 12);
  const isolated = s.mode !== 'host' && s.mode !== 'none';
  if (!isolated && s.ports.length > 0) throw new InvalidArgumentError(`published ports (-p) need a private network; not with --network ${s.mode}`);
  if (!isolated && s.extraHosts.length === 0 && s.dns.length === 0) {
    // The executor's own /etc files: the host's with `host`, only the container itself with `none`.
    return { network: s.mode === 'host' ? 'host' : 'none', mounts: [], hostname, ports: [], release: async () => undefined };
  }
  const dir = containerDir(root, id);
  await releaseDir(dir); // a previous run's, if its process died
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'owner'), selfTag());
  const files = { hosts: join(dir, 'hosts'), resolv: join(dir, 'resolv.conf') };
  const undo: (() => Promise<void>)[] = [() => releaseDir(dir), () => joiner.leaveAll(id)];
  const release = async (): Promise<void> => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  };
  try {
    let network: NetworkMode = s.mode === 'host' ? 'host' : 'none';
    let ports: PortBinding[] = [];
    let joined = false;
    if (isolated) {
      const netns = join(dir, 'netns');
      await createNetns(netns);
      network = { netns };
      ports = await allocatePorts(s.ports);
      await writeFile(join(dir, 'ports.json'), JSON.stringify(ports));
      await writeFile(join(dir, 'pasta'), await startPasta(netns, ports, { pid: join(dir, 'pasta.pid'), log: join(dir, 'pasta.log') }));
      await writeFile(files.hosts, hostsFile({ ip: '127.0.0.1', names: [hostname] }, [], s.extraHosts));
      if (s.mode !== 'bridge') {
        // Writes /etc/hosts (this container's and its peers') from here on.
        await joiner.join({ id, name, hostname, aliases: s.aliases, netns, hostsPath: files.hosts, extraHosts: s.extraHosts }, s.mode);
        joined = true;
      }
    }
    const hostResolvText = s.mode === 'host' && s.dns.length === 0 ? hostResolv : resolvConf(hostResolv, s.dns);
    if (!joined && !isolated) await writeFile(files.hosts, hostsFile({ ip: '127.0.0.1', names: [hostname] }, [], s.extraHosts));
    await writeFile(files.resolv, s.mode === 'none' && s.dns.length === 0 ? '' : hostResolvText);
    const mounts: ContainerMount[] = [
      { type: 'bind', source: files.hosts, destination: '/etc/hosts', readonly: false },
      { type: 'bind', source: files.resolv, destination: '/etc/resolv.conf', readonly: false },
    ];
    return { network, mounts, hostname, ports, release };
  } catch (err) {
    await release();
    throw err;
  }
}

/** The published ports of a running container (empty when it has none or is not running). */
export async function publishedPorts(root: string, id: string): Promise<PortBinding[]> {
  const text = await ifExists(readFile(join(containerDir(root, id), 'ports.json'), 'utf8'));
  return text === undefined ? [] : (JSON.parse(text) as PortBinding[]);
}

/** Stops pasta, removes the namespace and the directory. */
async function releaseDir(dir: string): Promise<void> {
  const pasta = await ifExists(readFile(join(dir, 'pasta'), 'utf8'));
  if (pasta !== undefined) await stopPasta(pasta.trim());
  await removeNetns(join(dir, 'netns'));
  await rm(dir, { recursive: true, force: true });
}

/**
 * Removes what containers whose process died left (pasta, namespace, files);
 * one message per directory that could not be removed.
 */
export async function sweepContainers(root: string): Promise<{ removed: number; failures: string[] }> {
  const base = join(root, 'containers');
  const names = await readdir(base).catch(() => [] as string[]);
  let removed = 0;
  const failures: string[] = [];
  for (const id of names) {
    const dir = join(base, id);
    const owner = (await ifExists(readFile(join(dir, 'owner'), 'utf8')))?.trim();
    // No owner yet: being created right now (the owner is written first thing).
    if (owner === undefined || tagAlive(owner) !== false) continue;
    try {
      await releaseDir(dir);
      removed++;
    } catch (err) {
      failures.push(`removing the network of container ${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { removed, failures };
}
