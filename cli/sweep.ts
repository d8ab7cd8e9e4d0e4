/**
 * The start-up sweep of a root. Every command that opens the root removes
 * what killed kiln processes left there: containers still running and their
 * rootfs mounts and bundles (executor/sweep.ts), per-process temp dirs with
 * whatever is mounted in them, half-written ingests (cache/content), and
 * half-made, half-removed or abandoned snapshots (cache/snapshot/cleanup.ts),
 * and the networks of dead containers: their pasta processes and network
 * namespaces, recorded under `<root>/network/containers/` (containers/network).
 *
 * Ownership is by process identity (`pid:starttime`): every such leftover
 * names its owner in its name, record or label, and only a dead owner's
 * things are removed, so a sweep never touches what a live kiln is using.
 * Cheap when there is nothing to do: one readdir per area, no tree walks.
 * One sweep at a time per root; a second process skips it (see util/try-lock.ts).
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalContentStore } from '../cache/index.js';
import type { Lease } from '../cache/index.js';
import type { Cleaner } from '../cache/index.js';
import { mountPointsUnder, pathRuntimes, sweepState, unmount } from '../executor/index.js';
import { existsSync } from 'node:fs';
import { FailedPreconditionError } from '../util/errors.js';
import type { RootLayout } from '../util/root-layout.js';
import { selfTag, tagAlive } from '../util/owner-tag.js';
import { isNoSpace } from '../util/no-space.js';
import { tryLock } from '../util/try-lock.js';

/** What one sweep removed, and what it could not. */
export interface RootSweep {
  readonly containers: number;
  readonly bundles: number;
  /** Temp dirs of dead processes (with their mounts). */
  readonly tmp: number;
  readonly ingests: number;
  /** Snapshot directories and records: half-made, half-removed, dangling or abandoned. */
  readonly snapshots: number;
  /** Container networks (namespace, pasta) of containers whose process died. */
  readonly networks: number;
  /** One lowercase message per leftover that is still there. */
  readonly failures: readonly string[];
}

/** The stores of a root the sweep cleans; `snapshotter` is undefined while the root has none. */
export interface SweepParts {
  readonly content: LocalContentStore;
  readonly snapshotter: (() => Promise<Cleaner>) | undefined;
  /** This process's session: snapshot records are removed as the root's one collection (cache/lease.ts). */
  readonly session: Lease;
  /** Leave records whose directory is gone (see CleanupOptions.dangling). */
  readonly keepDangling: boolean;
}

const NOTHING: RootSweep = { containers: 0, bundles: 0, tmp: 0, ingests: 0, snapshots: 0, networks: 0, failures: [] };

/** Sweeps `root` (see the module comment); never throws for a leftover it cannot remove. */
export async function sweepRoot(layout: RootLayout, parts: SweepParts): Promise<RootSweep> {
  // A full disk cannot take the lock file, and is when a sweep helps most: sweep unlocked (safe, at worst redundant).
  const release = await tryLock(layout.sweepLock).catch((err: unknown) => {
    if (isNoSpace(err)) return async () => undefined;
    throw err;
  });
  if (release === undefined) return NOTHING;
  let idle: Promise<boolean> | undefined;
  // Leftovers of kiln versions that did not name their owner may belong to one still running:
  // they go only while no other kiln has a session (asked only when there are such leftovers).
  const othersIdle = (): Promise<boolean> => (idle ??= noOtherSession(layout.leases));
  try {
    const failures: string[] = [];
    // Containers before temp dirs (a container may use a mount in one), mounts before snapshots (one may be mounted).
    const [exec, ingests, legacy] = await Promise.all([
      sweepState(layout.exec, pathRuntimes(layout.exec)),
      parts.content.cleanupIngests(),
      sweepLegacyUnpack(layout.root, othersIdle, failures),
    ]);
    failures.push(...exec.failures);
    // After the containers are gone: their network namespaces and pasta processes.
    // The containers library loads only when a container ever had a network here.
    const net = existsSync(layout.network) ? await (await import('../containers/index.js')).sweepNetworks(layout.network) : { removed: 0, failures: [] };
    failures.push(...net.failures);
    const tmp = legacy + (await sweepTmp(layout.tmp, othersIdle, failures));
    let snapshots = 0;
    if (parts.snapshotter !== undefined) {
      try {
        const r = await (await parts.snapshotter()).cleanup({ othersIdle, exclusive: (fn) => parts.session.collect(() => fn()), dangling: !parts.keepDangling });
        snapshots = r.dirs + r.dangling.length + r.abandoned.length;
      } catch (err) {
        failures.push(`cleaning up snapshots: ${message(err)}`);
      }
    }
    return { containers: exec.containers.length, bundles: exec.bundles.length, tmp, ingests, snapshots, networks: net.removed, failures };
  } finally {
    await release();
  }
}

/** Entries of `<root>/tmp` are `<pid>-<starttime>` dirs, one per process; `kiln-*` ones are from kiln versions before that. */
async function sweepTmp(dir: string, othersIdle: () => Promise<boolean>, failures: string[]): Promise<number> {
  let removed = 0;
  for (const name of await list(dir)) {
    const alive = tagAlive(name) ?? (name.startsWith('kiln-') ? !(await othersIdle()) : undefined);
    if (alive === false && (await removeDead(join(dir, name), failures))) removed++;
  }
  return removed;
}

/** `kiln run` of kiln versions before per-process temp dirs mounted layers being unpacked at `<root>/kiln-unpack-*`. */
async function sweepLegacyUnpack(root: string, othersIdle: () => Promise<boolean>, failures: string[]): Promise<number> {
  let removed = 0;
  for (const name of await list(root)) {
    if (name.startsWith('kiln-unpack-') && (await othersIdle()) && (await removeDead(join(root, name), failures))) removed++;
  }
  return removed;
}

/** Unmounts everything below `path`, then deletes it; never deletes through a mount. */
async function removeDead(path: string, failures: string[]): Promise<boolean> {
  try {
    // Not a directory kiln made (say, a symlink to elsewhere): only the entry itself goes, never what it points at.
    if (!(await lstat(path)).isDirectory()) {
      await rm(path, { force: true });
      return true;
    }
    for (const point of await mountPointsUnder(path)) await unmount(point, { detach: true });
    const left = await mountPointsUnder(path);
    if (left.length > 0) throw new FailedPreconditionError(`still mounted at ${left.join(', ')}`);
    await rm(path, { recursive: true, force: true });
    return true;
  } catch (err) {
    failures.push(`removing ${path}: ${message(err)}`);
    return false;
  }
}

/** True when no live kiln other than this one has a session lease (`<pid>-<start>.json`, cache/lease.ts). */
async function noOtherSession(leases: string): Promise<boolean> {
  const me = selfTag();
  for (const name of await list(leases)) {
    const tag = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
    if (tag !== me && tagAlive(tag) === true) return false;
  }
  return true;
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
