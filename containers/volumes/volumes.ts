/**
 * The volume commands as a library (`kiln volume create|ls|inspect|rm|prune`):
 * the store (store.ts) plus what needs the containers, which volumes they
 * use. A volume any container uses (running or not) is not removed, as in docker.
 */
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { VolumeStore, type CreateVolumeOptions, type VolumeRecord } from './store.js';

/** A volume with what the commands show of it. */
export interface VolumeInfo {
  readonly record: VolumeRecord;
  readonly mountpoint: string;
  /** Ids of the containers that use it. */
  readonly users: readonly string[];
}

/** Which containers use which volumes (by name → container ids). */
export type VolumeUsers = () => Promise<ReadonlyMap<string, readonly string[]>>;

export class Volumes {
  readonly store: VolumeStore;
  readonly #users: VolumeUsers;

  /** `dir`: `<root>/volumes`; `users`: the containers' volumes. */
  constructor(dir: string, users: VolumeUsers) {
    this.store = new VolumeStore(dir);
    this.#users = users;
  }

  /** `kiln volume create [NAME]`: an existing volume of that name is returned as it is. */
  async create(name: string | undefined, options: CreateVolumeOptions = {}): Promise<VolumeRecord> {
    return (await this.store.create(name, options)).record;
  }

  async get(name: string): Promise<VolumeInfo> {
    const record = await this.store.get(name);
    return { record, mountpoint: this.store.dataPath(name), users: (await this.#users()).get(name) ?? [] };
  }

  async list(): Promise<VolumeInfo[]> {
    const users = await this.#users();
    return (await this.store.list()).map((record) => ({ record, mountpoint: this.store.dataPath(record.name), users: users.get(record.name) ?? [] }));
  }

  /** `kiln volume rm`: refused while a container uses it; `force`: a missing volume is not an error. */
  async remove(name: string, options: { readonly force?: boolean } = {}): Promise<void> {
    const users = (await this.#users()).get(name) ?? [];
    if (users.length > 0) throw new FailedPreconditionError(`remove ${name}: volume is in use by container${users.length > 1 ? 's' : ''} ${users.map((u) => u.slice(0, 12)).join(', ')}; remove ${users.length > 1 ? 'them' : 'it'} first (kiln rm)`);
    try {
      await this.store.remove(name);
    } catch (err) {
      if (!(err instanceof NotFoundError && options.force === true)) throw err;
    }
  }

  /**
   * `kiln volume prune`: removes volumes no container uses: anonymous ones,
   * or every one with `all` (docker 23+'s rule); `keep` filters (labels).
   */
  async prune(options: { readonly all?: boolean; readonly keep?: (v: VolumeRecord) => boolean } = {}): Promise<{ readonly removed: readonly string[]; readonly bytes: number }> {
    const removed: string[] = [];
    let bytes = 0;
    for (const v of await this.list()) {
      if (v.users.length > 0 || (options.all !== true && !v.record.anonymous)) continue;
      if (options.keep !== undefined && !options.keep(v.record)) continue;
      const size = await this.store.size(v.record.name);
      await this.store.remove(v.record.name);
      removed.push(v.record.name);
      bytes += size;
    }
    return { removed, bytes };
  }

  /** `kiln du`: each volume's size and whether a container uses it. */
  async usage(): Promise<{ readonly name: string; readonly size: number; readonly inUse: boolean }[]> {
    const out: { name: string; size: number; inUse: boolean }[] = [];
    for (const v of await this.list()) out.push({ name: v.record.name, size: await this.store.size(v.record.name), inUse: v.users.length > 0 });
    return out;
  }
}

/** docker's `volume inspect` shape. */
export function volumeView(v: VolumeInfo): Record<string, unknown> {
  return {
    CreatedAt: v.record.created,
    Driver: 'local',
    Labels: v.record.labels,
    Mountpoint: v.mountpoint,
    Name: v.record.name,
    Options: {},
    Scope: 'local',
  };
}

/** `--label K=V` of `volume create` (K alone: empty value). */
export function parseVolumeLabels(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of specs) {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    if (key === '') throw new InvalidArgumentError(`invalid label ${JSON.stringify(l)}: expected KEY=VALUE`);
    out[key] = eq < 0 ? '' : l.slice(eq + 1);
  }
  return out;
}
