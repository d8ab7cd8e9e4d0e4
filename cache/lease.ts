/**
 * Session leases: every kiln process that may write into a root records
 * itself in `<root>/leases/` while it runs. `prune` keeps everything created
 * after the oldest live session started, so it never removes a blob or
 * snapshot another running kiln has just made but not yet referenced.
 * A killed process's lease is stale (its pid is gone) and is removed by prune.
 */
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, processIdentity } from '../util/lock.js';

interface LeaseRecord {
  readonly owner: string;
  readonly startedAt: number;
}

/** A held session lease; `release()` removes it (also done at process exit). */
export interface Lease {
  readonly startedAt: number;
  release(): Promise<void>;
}

/** Records this process as a live session in `root`. */
export async function acquireSession(root: string): Promise<Lease> {
  const dir = join(root, 'leases');
  await mkdir(dir, { recursive: true });
  const owner = processIdentity() ?? `${process.pid}:`;
  // Started a little early, to cover clocks that round mtimes down.
  const record: LeaseRecord = { owner, startedAt: Date.now() - 1000 };
  const path = join(dir, `${owner.replace(':', '-')}.json`);
  await writeFile(path, JSON.stringify(record));
  const drop = (): void => {
    try {
      // Synchronous on exit: the event loop is gone.
      rmSync(path);
    } catch {
      // already removed
    }
  };
  process.once('exit', drop);
  return {
    startedAt: record.startedAt,
    release: async () => {
      process.off('exit', drop);
      await rm(path, { force: true });
    },
  };
}

/** The start time of the oldest live session other than this process, or undefined; removes stale leases. */
export async function oldestOtherSession(root: string): Promise<number | undefined> {
  const dir = join(root, 'leases');
  let oldest: number | undefined;
  const me = processIdentity();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const rec = await readFile(path, 'utf8')
      .then((t) => JSON.parse(t) as LeaseRecord)
      .catch(() => undefined);
    if (rec === undefined || !isAlive(rec.owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (rec.owner === me) continue;
    oldest = oldest === undefined ? rec.startedAt : Math.min(oldest, rec.startedAt);
  }
  return oldest;
}


