/**
 * containers/network/: the networks of `kiln run` containers: a private
 * namespace per container with outbound access and published ports through
 * pasta (attach.ts, pasta.ts), user-defined networks with a bridge in a
 * namespace kiln owns (bridge.ts), and the /etc/hosts and resolv.conf they
 * need (etc.ts). State under `<root>/network/`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { attach, publishedPorts, sweepContainers, type Attached, type NetworkSettings } from './attach.js';
import { NetworkStore } from './bridge.js';
import type { PortBinding } from './ports.js';

export type { Attached, NetworkSettings } from './attach.js';
export type { NetworkRecord, Endpoint } from './bridge.js';
export type { HostEntry } from './etc.js';
export type { PortSpec, PortBinding, Protocol } from './ports.js';
export { parsePublish, publishAll, formatPorts } from './ports.js';
export { parseAddHost, checkDns } from './etc.js';

/** Removes the networks of containers whose process died (`dir`: `<root>/network`). */
export function sweepNetworks(dir: string): Promise<{ removed: number; failures: string[] }> {
  return sweepContainers(dir);
}

/** The networks of one root. */
export class Networks {
  readonly dir: string;
  readonly store: NetworkStore;

  /** `dir`: `<root>/network`. */
  constructor(dir: string) {
    this.dir = dir;
    this.store = new NetworkStore(dir);
  }

  /** Sets up a container's network before it starts; `release()` undoes it after it stopped. */
  async attach(id: string, name: string, settings: NetworkSettings): Promise<Attached> {
    const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
    return attach(this.dir, id, name, settings, this.store, hostResolv);
  }

  /** The published ports of a running container. */
  ports(id: string): Promise<PortBinding[]> {
    return publishedPorts(this.dir, id);
  }

  /** The container's network namespace file while it runs (for `network connect`). */
  netnsOf(id: string): string {
    return join(this.dir, 'containers', id, 'netns');
  }

  /** The process running a container's network (its supervisor), if it runs. */
  async ownerOf(id: string): Promise<string | undefined> {
    return (await readFile(join(this.dir, 'containers', id, 'owner'), 'utf8').catch(() => undefined))?.trim();
  }

  /** Removes the networks of containers whose process is gone (pasta, namespaces). */
  sweep(): Promise<{ removed: number; failures: string[] }> {
    return sweepContainers(this.dir);
  }
}
