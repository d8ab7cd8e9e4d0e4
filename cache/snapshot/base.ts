/**
 * What the overlay and native snapshotters share: the on-disk layout, the
 * metadata table and the lifecycle. Each snapshot lives in `<dir>/l/<id>/`
 * (`fs/` its files, `work/` overlay's work dir) where `<id>` is a short random
 * opaque id, never the caller's key, so keys may hold any characters and mount
 * options stay short. Subclasses decide how a new snapshot's `fs/` is filled
 * and how it is mounted.
 *
 * Crash safety: a directory only takes its `<id>` name under the metadata lock,
 * in the same update that records it; until then it is `.new-<owner>-…`. A
 * removal drops the record first, then renames the directory to
 * `.rm-<owner>-<id>` and deletes that. So a killed process never leaves a
 * record pointing at a missing or half-deleted directory, and what it leaves
 * carries its owner in its name for {@link DirSnapshotter.cleanup}.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FailedPreconditionError } from '../../util/errors.js';
import { isNoSpace } from '../../util/no-space.js';
import { ownedName } from '../../util/owner-tag.js';
import { cleanupLayers, discardLayer, NEW_PREFIX } from './cleanup.js';
import { diskUsage } from './disk-usage.js';
import { MetadataStore } from './metadata.js';
import { withoutOwner } from './owner.js';
import { checkKey, copyLabels, q, type SnapshotRecord, type SnapshotTable } from './table.js';
import type { UseGuard } from '../guard.js';
import type { Cleaner, CleanupOptions, CleanupReport, Mount, SnapshotInfo, Snapshotter, SnapshotKind, Usage } from './types.js';

/** A snapshot with its place on disk and its ancestry resolved. */
export interface Resolved {
  readonly key: string;
  readonly record: SnapshotRecord;
  /** Directory ids of the parent chain, nearest first. */
  readonly parents: readonly string[];
}

type Labels = { labels?: Record<string, string> };

/** A {@link Snapshotter} storing snapshots as directories under `<dir>/l`. */
export abstract class DirSnapshotter implements Snapshotter, Cleaner {
  /** The absolute `<dir>/l`, parent of every snapshot directory. */
  protected readonly layersDir: string;
  readonly #meta: MetadataStore;
  readonly guard: UseGuard | undefined;

  constructor(dir: string, options: { guard?: UseGuard } = {}) {
    this.guard = options.guard;
    const root = resolve(dir);
    this.layersDir = join(root, 'l');
    this.#meta = new MetadataStore(root);
  }

  /** The mounts of an active or view snapshot; may throw when it cannot be mounted. */
  protected abstract mountsOf(s: Resolved): Mount[];
  /** Fills `dir` (the new snapshot's directory, not yet at its final name) with `fs/` and anything else `s` needs. */
  protected abstract populate(s: Resolved, dir: string): Promise<void>;

  /** The directory {@link layerDir} and {@link usage} report for `s`. */
  protected layerDirOf(s: Resolved): string {
    return this.fsDir(s.record.id);
  }

  /** `<dir>/l/<id>/fs`. */
  protected fsDir(id: string): string {
    return join(this.layersDir, id, 'fs');
  }

  prepare(key: string, parent?: string, options?: Labels): Promise<Mount[]> {
    return this.#create('active', key, parent, options);
  }

  view(key: string, parent?: string, options?: Labels): Promise<Mount[]> {
    return this.#create('view', key, parent, options);
  }

  async mounts(key: string): Promise<Mount[]> {
    const s = resolveIn(await this.#meta.read(), key);
    if (s.record.kind === 'committed') {
      throw new FailedPreconditionError(`snapshot ${q(key)} is committed; mount it through view() or prepare()`);
    }
    return this.mountsOf(s);
  }

  async commit(name: string, key: string, options?: Labels): Promise<void> {
    checkKey(name, 'snapshot name');
    checkKey(key);
    const labels = copyLabels(options?.labels, name);
    await this.#meta.update((t) => t.commit(name, key, labels ?? withoutOwner(t.get(key).labels), Date.now()));
  }

  async remove(key: string): Promise<void> {
    checkKey(key);
    let rec: SnapshotRecord;
    try {
      rec = await this.#meta.update((t) => t.remove(key));
    } catch (err) {
      if (!isNoSpace(err) || !(await this.#freeUncommitted(key))) throw err;
      rec = await this.#meta.update((t) => t.remove(key));
    }
    // The table no longer names the directory, so a failed delete leaves only garbage.
    await discardLayer(this.layersDir, rec.id);
  }

  /**
   * Removes what killed kiln processes left (containerd's `Cleanup`): their
   * half-made and half-removed directories, directories no record names,
   * records whose directory is gone (with their descendants), and working
   * snapshots whose owner process has exited (see owner.ts). Never touches
   * what a live process holds. Unmount dead owners' mounts first.
   */
  cleanup(options: CleanupOptions = {}): Promise<CleanupReport> {
    return cleanupLayers(this.layersDir, this.#meta, {
      othersIdle: options.othersIdle ?? (async () => true),
      exclusive: options.exclusive ?? ((fn) => fn()),
      dangling: options.dangling ?? true,
    });
  }

  /**
   * The disk is too full to rewrite the table, and a step's own writes are
   * often what filled it: deletes the files of active or view snapshot `key`
   * (nothing may use a snapshot being removed) before its record goes.
   * Committed snapshots keep theirs: a record must never name a missing layer.
   */
  async #freeUncommitted(key: string): Promise<boolean> {
    const table = await this.#meta.read();
    const rec = table.get(key);
    if (rec.kind === 'committed' || table.childrenOf(key).length > 0) return false;
    const dir = join(this.layersDir, rec.id);
    for (const name of await readdir(dir).catch(() => [])) await rm(join(dir, name), { recursive: true, force: true });
    return true;
  }

  async stat(key: string): Promise<SnapshotInfo> {
    checkKey(key);
    return (await this.#meta.read()).info(key);
  }

  async walk(fn: (info: SnapshotInfo) => void | Promise<void>): Promise<void> {
    const table = await this.#meta.read();
    for (const key of table.keys()) await fn(table.info(key));
  }

  async usage(key: string): Promise<Usage> {
    return diskUsage(await this.layerDir(key));
  }

  async layerDir(key: string): Promise<string> {
    checkKey(key);
    return this.layerDirOf(resolveIn(await this.#meta.read(), key));
  }

  async #create(kind: SnapshotKind, key: string, parent: string | undefined, options: Labels | undefined): Promise<Mount[]> {
    checkKey(key);
    if (parent !== undefined) checkKey(parent, 'parent key');
    const labels = copyLabels(options?.labels, key) ?? {};
    const draft = (t: SnapshotTable, id: string): Resolved => {
      t.checkCreate(key, parent);
      const record: SnapshotRecord = { id, kind, ...(parent === undefined ? {} : { parent }), labels, createdAt: Date.now() };
      return { key, record, parents: t.chain(parent) };
    };
    // Fail early (before copying anything) on a taken key, a bad parent or unmountable depth.
    this.mountsOf(draft(await this.#meta.read(), 'xxxxxxxx'));
    const staged = await this.#newStagingDir();
    let placed: string | undefined;
    try {
      await this.populate(draft(await this.#meta.read(), 'xxxxxxxx'), staged);
      return await this.#meta.update((t) => {
        const s = draft(t, this.#freeId(t));
        const mounts = this.mountsOf(s);
        // Named and recorded under one lock: no other process sees an unrecorded `<id>` dir of a live creator.
        renameSync(staged, join(this.layersDir, s.record.id));
        placed = s.record.id;
        t.insert(key, s.record);
        return mounts;
      });
    } catch (err) {
      await rm(staged, { recursive: true, force: true });
      const id = placed;
      // Only when the table never got the record (a failed write); a recorded directory stays.
      if (id !== undefined && !(await this.#meta.read().then((t) => t.hasId(id), () => true))) await discardLayer(this.layersDir, id);
      throw err;
    }
  }

  /** Creates `<dir>/l/.new-<owner>-<random>`, where a new snapshot is filled before it gets its id. */
  async #newStagingDir(): Promise<string> {
    await mkdir(this.layersDir, { recursive: true, mode: 0o700 });
    for (;;) {
      const dir = join(this.layersDir, ownedName(NEW_PREFIX, newId()));
      try {
        await mkdir(dir, { mode: 0o700 });
        return dir;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  /** A fresh id with no record and no directory (called under the metadata lock, so no other creator races it). */
  #freeId(t: SnapshotTable): string {
    for (;;) {
      const id = newId();
      if (!t.hasId(id) && !existsSync(join(this.layersDir, id))) return id;
    }
  }
}

function resolveIn(table: SnapshotTable, key: string): Resolved {
  const record = table.get(key);
  return { key, record, parents: table.chain(record.parent) };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 8 base32 characters (40 random bits): short enough for 300+ lowerdirs in one page. */
function newId(): string {
  let id = '';
  for (const byte of randomBytes(8)) id += ALPHABET[byte & 31];
  return id;
}
