/**
 * Named volumes on disk, under `<root>/volumes/` (docker's local driver
 * layout):
 *
 * ```
 * <name>/volume.json   the VolumeRecord (created, labels, anonymous)
 * <name>/_data/        the volume's content, bound into containers
 * .rm-<random>/        a volume being removed (renamed first, then deleted)
 * ```
 *
 * A name is checked (names.ts) before it is joined onto the directory, so
 * no user input reaches the host path beyond one safe component. Creating
 * an existing volume returns it (docker's `volume create` is idempotent).
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { NotFoundError } from '../../util/errors.js';
import { ifExists } from '../../util/if-exists.js';
import { anonymousVolumeName, checkVolumeName } from './names.js';

/** Docker's label on anonymous volumes. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** One volume as created; it never changes afterwards. */
export interface VolumeRecord {
  readonly name: string;
  /** RFC 3339. */
  readonly created: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Made for one container (`-v /path`, an image VOLUME): `rm -v` and `--rm` remove it with the container. */
  readonly anonymous: boolean;
}

/** What `create` is asked for. */
export interface CreateVolumeOptions {
  readonly labels?: Readonly<Record<string, string>>;
  readonly anonymous?: boolean;
}

/** The volumes of one root. */
export class VolumeStore {
  /** `<root>/volumes` (RootLayout.volumes). */
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The host directory holding the volume's content (the name is checked first). */
  dataPath(name: string): string {
    return join(this.dir, checkVolumeName(name), '_data');
  }

  /** Creates the volume, or returns the one of that name; `created` says which. */
  async create(name: string | undefined, options: CreateVolumeOptions = {}): Promise<{ readonly record: VolumeRecord; readonly created: boolean }> {
    const anonymous = options.anonymous === true;
    const n = name === undefined ? anonymousVolumeName() : checkVolumeName(name);
    const existing = await this.find(n);
    if (existing !== undefined) return { record: existing, created: false };
    const dir = join(this.dir, n);
    await mkdir(join(dir, '_data'), { recursive: true, mode: 0o755 });
    const record: VolumeRecord = {
      name: n,
      created: new Date().toISOString(),
      labels: { ...options.labels, ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) },
      anonymous,
    };
    // Two creates of one name at once both write an equal record: either one wins.
    await writeFileAtomic(join(dir, 'volume.json'), JSON.stringify(record));
    return { record, created: true };
  }

  /** The volume, or undefined when there is none of that name. */
  async find(name: string): Promise<VolumeRecord | undefined> {
    const text = await ifExists(readFile(join(this.dir, checkVolumeName(name), 'volume.json'), 'utf8'));
    if (text === undefined) return undefined;
    return JSON.parse(text) as VolumeRecord;
  }

  /** The volume; NotFoundError when there is none of that name. */
  async get(name: string): Promise<VolumeRecord> {
    const v = await this.find(name);
    if (v === undefined) throw new NotFoundError(`no such volume: ${name}`);
    return v;
  }

  /** Every volume, by name. */
  async list(): Promise<VolumeRecord[]> {
    const out: VolumeRecord[] = [];
    for (const name of (await ifExists(readdir(this.dir))) ?? []) {
      if (name.startsWith('.')) continue;
      const v = await this.find(name).catch(() => undefined);
      if (v !== undefined) out.push(v);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Removes the volume and its content (the caller checked no container uses it). */
  async remove(name: string): Promise<void> {
    const dir = join(this.dir, checkVolumeName(name));
    if ((await ifExists(lstat(dir))) === undefined) throw new NotFoundError(`no such volume: ${name}`);
    // Renamed first: a crash mid-delete leaves no half volume under its name.
    const doomed = join(this.dir, `.rm-${randomBytes(8).toString('hex')}`);
    await rename(dir, doomed);
    await rm(doomed, { recursive: true, force: true });
  }

  /** Bytes of regular files in the volume (hard links once). */
  async size(name: string): Promise<number> {
    return treeSize(this.dataPath(name));
  }

  /** Removes what removals interrupted by a crash left (`.rm-*`). */
  async sweep(): Promise<void> {
    for (const name of (await ifExists(readdir(this.dir))) ?? []) {
      if (name.startsWith('.rm-')) await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }
}

/** Bytes of regular files under `root`, without following symlinks. */
async function treeSize(root: string): Promise<number> {
  const seen = new Set<number>();
  let size = 0;
  const stack = [root];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    for (const entry of (await ifExists(readdir(dir, { withFileTypes: true }))) ?? []) {
      const path = join(dir, entry.name);
      const st = await lstat(path);
      if (entry.isDirectory()) stack.push(path);
      else if (st.isFile() && !seen.has(st.ino)) {
        seen.add(st.ino);
        size += st.size;
      }
    }
  }
  return size;
}
