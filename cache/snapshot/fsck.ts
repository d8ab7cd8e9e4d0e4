/**
 * Consistency of a snapshot directory (the layout of base.ts): every snapshot
 * in the table has its `l/<id>/fs` directory and a parent that exists, and
 * every `l/<id>` directory belongs to a snapshot. For `kiln check`; contents of
 * the layers are not checked (nothing records what they should hold).
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MetadataStore } from './metadata.js';
import type { SnapshotInfo } from './types.js';
import { ifExists } from '../../util/if-exists.js';

/** One disagreement between the table and the directories. */
export type SnapshotProblem =
  /** The table names a snapshot whose layer directory is gone. */
  | { readonly kind: 'missing-dir'; readonly key: string; readonly dir: string }
  /** The table names a snapshot whose parent is not in the table. */
  | { readonly kind: 'missing-parent'; readonly key: string; readonly parent: string }
  /** The table names a directory that is not a plain name under `l/`: never touched, fixed by hand. */
  | { readonly kind: 'bad-id'; readonly key: string; readonly id: string }
  /** A layer directory no snapshot owns. */
  | { readonly kind: 'orphan-dir'; readonly dir: string };

/** Directory ids base.ts makes (8 base32 characters); anything else could name a path outside `l/`. */
const idRe = /^[a-z2-7]{8}$/;

/** What {@link scanSnapshots} found. */
export interface SnapshotScan {
  readonly infos: readonly SnapshotInfo[];
  readonly problems: readonly SnapshotProblem[];
}

/**
 * Compares the table of the snapshot directory `dir` with its `l/` entries.
 * Directories changed at or after `keepNewerThan` (ms; the oldest other live
 * kiln session) are left out: another kiln may be creating that snapshot.
 */
export async function scanSnapshots(dir: string, options: { keepNewerThan?: number | undefined } = {}): Promise<SnapshotScan> {
  const table = await new MetadataStore(dir).read();
  const layers = join(dir, 'l');
  const infos: SnapshotInfo[] = [];
  const problems: SnapshotProblem[] = [];
  const owned = new Set<string>();
  const keys = new Set(table.keys());
  for (const [key, rec] of table.entries()) {
    infos.push(table.info(key));
    if (!idRe.test(rec.id)) {
      problems.push({ kind: 'bad-id', key, id: rec.id });
      continue;
    }
    owned.add(rec.id);
    const fs = join(layers, rec.id, 'fs');
    if (!(await isDir(fs))) problems.push({ kind: 'missing-dir', key, dir: fs });
    if (rec.parent !== undefined && !keys.has(rec.parent)) problems.push({ kind: 'missing-parent', key, parent: rec.parent });
  }
  for (const name of ((await ifExists(readdir(layers))) ?? []).sort()) {
    if (owned.has(name)) continue;
    const path = join(layers, name);
    const st = await ifExists(stat(path));
    if (st === undefined || (options.keepNewerThan !== undefined && st.mtimeMs >= options.keepNewerThan)) continue;
    problems.push({ kind: 'orphan-dir', dir: path });
  }
  return { infos, problems };
}

/** `keys` and every snapshot built on them, children before parents (the order removal needs). */
export function withDescendants(infos: readonly SnapshotInfo[], keys: Iterable<string>): string[] {
  const doomed = new Set(keys);
  for (let grew = true; grew; ) {
    grew = false;
    for (const i of infos) {
      if (i.parent !== undefined && doomed.has(i.parent) && !doomed.has(i.key)) {
        doomed.add(i.key);
        grew = true;
      }
    }
  }
  const parentOf = new Map(infos.map((i) => [i.key, i.parent]));
  const depth = (key: string): number => {
    let d = 0;
    for (let k = parentOf.get(key); k !== undefined && d <= infos.length; k = parentOf.get(k)) d++;
    return d;
  };
  return [...doomed].filter((k) => parentOf.has(k)).sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1));
}

/**
 * Removes an orphan layer directory, unless something is mounted on or under
 * it (a leaked mount must be unmounted by hand, not emptied through).
 * `mountsUnder` lists those mount points (only executor/ knows mounts).
 * Returns false when it was left alone.
 */
export async function removeOrphanDir(path: string, mountsUnder: (dir: string) => Promise<readonly string[]>): Promise<boolean> {
  if ((await mountsUnder(path)).length > 0) return false;
  await rm(path, { recursive: true, force: true });
  return true;
}

async function isDir(path: string): Promise<boolean> {
  return (await ifExists(stat(path)))?.isDirectory() === true;
}
