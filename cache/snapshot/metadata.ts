/**
 * The snapshot table on disk: `<dir>/metadata.json`, replaced atomically
 * (temp + fsync + rename) while holding the lock file `<dir>/metadata.lock`, so
 * several kiln processes can share one snapshot directory. Readers take no
 * lock: a rename means they see the old table or the new one, never a mix.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { FailedPreconditionError } from '../../util/errors.js';
import { withLock } from '../../util/lock.js';
import { SnapshotTable, type SnapshotRecord } from './table.js';

interface MetadataFile {
  readonly version: 1;
  readonly snapshots: Record<string, SnapshotRecord>;
}

/** Loads and atomically updates the table of one snapshot directory. */
export class MetadataStore {
  readonly #dir: string;
  readonly #file: string;
  readonly #lock: string;
  /** Serialises this process's updates, so it never waits on its own lock file. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    this.#dir = dir;
    this.#file = join(dir, 'metadata.json');
    this.#lock = join(dir, 'metadata.lock');
  }

  /**
   * The last table read, with the identity of the file it came from. Every
   * write renames a new file into place (a new inode), so an unchanged
   * identity means an unchanged table; a build's many lookups parse it once.
   */
  #cached: { readonly id: string; readonly table: SnapshotTable } | undefined;

  /** The current table (no lock). Callers must not modify it: `update` gets its own copy. */
  async read(): Promise<SnapshotTable> {
    const st = await stat(this.#file, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (st === undefined) return new SnapshotTable();
    const id = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    if (this.#cached?.id === id) return this.#cached.table;
    const table = await this.#readFresh();
    this.#cached = { id, table };
    return table;
  }

  async #readFresh(): Promise<SnapshotTable> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new SnapshotTable();
      throw err;
    }
    return this.#parse(text);
  }

  /**
   * Runs `fn` on the current table under the lock and stores the table it
   * leaves, unless `fn` throws (then nothing changes).
   */
  update<T>(fn: (table: SnapshotTable) => T): Promise<T> {
    const next = this.#queue.then(async () => {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      return withLock(this.#lock, async () => {
        const table = await this.#readFresh();
        const result = fn(table);
        await writeFileAtomic(this.#file, serialise(table));
        return result;
      });
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #parse(text: string): SnapshotTable {
    let data: MetadataFile;
    try {
      data = JSON.parse(text) as MetadataFile;
    } catch (err) {
      throw new FailedPreconditionError(`snapshot metadata ${this.#file} is corrupt`, { cause: err });
    }
    if (data.version !== 1 || typeof data.snapshots !== 'object') {
      throw new FailedPreconditionError(`snapshot metadata ${this.#file} has unknown version ${String(data.version)}, expected 1`);
    }
    return new SnapshotTable(Object.entries(data.snapshots));
  }
}

function serialise(table: SnapshotTable): string {
  // fromEntries defines own properties, so a key like "__proto__" stays data.
  const snapshots: Record<string, SnapshotRecord> = Object.fromEntries(table.entries());
  const file: MetadataFile = { version: 1, snapshots };
  return JSON.stringify(file, null, 1) + '\n';
}
