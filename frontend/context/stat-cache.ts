/**
 * The persisted stat cache of a context directory: for each file, the stat
 * fields that change whenever its content may have (size, mtime, inode,
 * ctime, mode) and the content checksum computed for them. One JSON file per
 * context under the cache dir, replaced atomically. Local only: xxhash
 * checksums are never trusted across users or machines.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../../util/atomic-write.js';
import type { TreeEntry } from './tree.js';
import { ifExists } from '../../util/if-exists.js';

const VERSION = 1;

/** `[size, mtimeNs, ino, ctimeNs, mode, checksum]`, bigints as decimal strings. */
type Row = [number, string, string, string, number, string];

interface CacheFile {
  readonly version: number;
  readonly root: string;
  readonly files: Record<string, Row>;
}

/** See the file comment. */
export class StatCache {
  readonly #file: string | undefined;
  readonly #root: string;
  #rows: Map<string, Row>;
  #dirty = false;

  private constructor(file: string | undefined, root: string, rows: Map<string, Row>) {
    this.#file = file;
    this.#root = root;
    this.#rows = rows;
  }

  /** Loads the cache of context `root` from `cacheDir` (in memory only when undefined); a damaged file reads as empty. */
  static async load(cacheDir: string | undefined, root: string): Promise<StatCache> {
    if (cacheDir === undefined) return new StatCache(undefined, root, new Map());
    const file = join(cacheDir, `context-${createHash('sha256').update(root).digest('hex').slice(0, 32)}.json`);
    const text = await ifExists(readFile(file, 'utf8'));
    return new StatCache(file, root, parse(text, root));
  }

  /** The cached checksum of `e`, when its stat fields are unchanged. */
  get(e: TreeEntry): string | undefined {
    const row = this.#rows.get(e.rel);
    if (row === undefined || !sameStat(row, e)) return undefined;
    return row[5];
  }

  /** Records the checksum computed for `e`'s content. */
  set(e: TreeEntry, checksum: string): void {
    this.#rows.set(e.rel, [e.size, String(e.mtimeNs), String(e.ino), String(e.ctimeNs), e.mode, checksum]);
    this.#dirty = true;
  }

  /** Drops rows for which `keep` is false (files seen to be gone). */
  prune(keep: (rel: string) => boolean): void {
    for (const rel of this.#rows.keys()) {
      if (keep(rel)) continue;
      this.#rows.delete(rel);
      this.#dirty = true;
    }
  }

  /** Writes the cache if anything changed since it was loaded. */
  async save(): Promise<void> {
    if (this.#file === undefined || !this.#dirty) return;
    await mkdir(join(this.#file, '..'), { recursive: true });
    const data: CacheFile = { version: VERSION, root: this.#root, files: Object.fromEntries(this.#rows) };
    await writeFileAtomic(this.#file, JSON.stringify(data), 0o644, { durable: false });
    this.#dirty = false;
  }
}

function sameStat(row: Row, e: TreeEntry): boolean {
  return row[0] === e.size && row[1] === String(e.mtimeNs) && row[2] === String(e.ino) && row[3] === String(e.ctimeNs) && row[4] === e.mode;
}

function parse(text: string | undefined, root: string): Map<string, Row> {
  if (text === undefined) return new Map();
  try {
    const data = JSON.parse(text) as Partial<CacheFile>;
    if (data.version !== VERSION || data.root !== root || typeof data.files !== 'object' || data.files === null) return new Map();
    return new Map(Object.entries(data.files).filter(([, row]) => Array.isArray(row) && row.length === 6));
  } catch {
    return new Map();
  }
}
