/**
 * Cleaning a snapshot directory after kiln processes that were killed, using
 * the naming base.ts keeps: `.new-<owner>-…` (being filled), `.rm-<owner>-<id>`
 * (being deleted), `<id>` (recorded, or garbage when no record names it).
 * One readdir of `l/` and the (cached) table decide what to look at; anything
 * that might belong to a live process is re-checked under the metadata lock,
 * where creators name and record their directories.
 */
import { existsSync, renameSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ownedName, parseOwnedName } from '../../util/owner-tag.js';
import type { MetadataStore } from './metadata.js';
import { ownerGone } from './owner.js';
import type { SnapshotTable } from './table.js';
import type { CleanupOptions, CleanupReport } from './types.js';

/** Prefix of a snapshot directory being filled, before it gets its id. */
export const NEW_PREFIX = '.new-';
/** Prefix of a snapshot directory being deleted. */
export const RM_PREFIX = '.rm-';
/** Snapshot directory ids (see base.ts newId). */
const ID = /^[a-z2-7]{8}$/;

/** Renames `<layersDir>/<id>` to an owned trash name, then deletes it; false when there was no such directory. */
export async function discardLayer(layersDir: string, id: string): Promise<boolean> {
  const trash = join(layersDir, ownedName(RM_PREFIX, id));
  try {
    await rename(join(layersDir, id), trash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  await rm(trash, { recursive: true, force: true });
  return true;
}

/** See the module comment. */
export async function cleanupLayers(layersDir: string, meta: MetadataStore, options: Required<CleanupOptions>): Promise<CleanupReport> {
  const names = await readdir(layersDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  let dirs = 0;
  for (const name of names) {
    const owned = parseOwnedName(NEW_PREFIX, name) ?? parseOwnedName(RM_PREFIX, name);
    if (owned === undefined || owned.alive) continue;
    await rm(join(layersDir, name), { recursive: true, force: true });
    dirs++;
  }
  let suspects = findSuspects(await meta.read(), new Set(names));
  if (!options.dangling) suspects = { ...suspects, dangling: [] };
  if (suspects.orphans.length > 0 && !(await options.othersIdle())) suspects = { ...suspects, orphans: [] };
  if (suspects.orphans.length + suspects.dangling.length + suspects.abandoned.length === 0) return { dirs, dangling: [], abandoned: [] };
  return options.exclusive(async () => {
    const settled = await meta.update((t) => settle(t, layersDir, suspects));
    for (const trash of settled.trash) await rm(trash, { recursive: true, force: true });
    // Records first (the update above), directories after: a kill in between leaves only unnamed garbage.
    for (const id of settled.freed) if (await discardLayer(layersDir, id)) dirs++;
    return { dirs: dirs + settled.trash.length, dangling: settled.dangling, abandoned: settled.abandoned };
  });
}

interface Suspects {
  /** Directory ids no record named. */
  readonly orphans: readonly string[];
  /** Keys whose directory was missing. */
  readonly dangling: readonly string[];
  /** Keys of active snapshots and views whose owner is gone. */
  readonly abandoned: readonly string[];
}

function findSuspects(table: SnapshotTable, present: ReadonlySet<string>): Suspects {
  const known = new Set<string>();
  const dangling: string[] = [];
  const abandoned: string[] = [];
  for (const [key, rec] of table.entries()) {
    known.add(rec.id);
    if (!present.has(rec.id)) dangling.push(key);
    else if (rec.kind !== 'committed' && ownerGone(rec.labels)) abandoned.push(key);
  }
  const orphans = [...present].filter((n) => ID.test(n) && !known.has(n));
  return { orphans, dangling, abandoned };
}

/** Under the metadata lock: re-checks every suspect on the fresh table and drops what is really garbage. */
function settle(t: SnapshotTable, layersDir: string, s: Suspects): { trash: string[]; freed: string[]; dangling: string[]; abandoned: string[] } {
  const known = new Set<string>();
  for (const [, rec] of t.entries()) known.add(rec.id);
  const trash: string[] = [];
  for (const id of s.orphans) {
    const dir = join(layersDir, id);
    if (known.has(id) || !existsSync(dir)) continue;
    const to = join(layersDir, ownedName(RM_PREFIX, id));
    renameSync(dir, to);
    trash.push(to);
  }
  const freed: string[] = [];
  const dangling: string[] = [];
  for (const key of s.dangling) {
    if (!t.has(key) || existsSync(join(layersDir, t.get(key).id))) continue;
    // Its descendants cannot be mounted without it.
    for (const k of subtree(t, key)) {
      freed.push(t.remove(k).id);
      dangling.push(k);
    }
  }
  const abandoned: string[] = [];
  for (const key of s.abandoned) {
    if (!t.has(key)) continue;
    const rec = t.get(key);
    if (rec.kind === 'committed' || !ownerGone(rec.labels) || t.childrenOf(key).length > 0) continue;
    freed.push(t.remove(key).id);
    abandoned.push(key);
  }
  return { trash, freed, dangling, abandoned };
}

/** `key` and its descendants, children before parents. */
function subtree(t: SnapshotTable, key: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (k: string): void => {
    if (seen.has(k)) return;
    seen.add(k);
    for (const c of t.childrenOf(k)) visit(c);
    out.push(k);
  };
  visit(key);
  return out;
}
