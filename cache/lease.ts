/**
 * Session leases: every kiln process that opens a root records itself in
 * `<root>/leases/<pid>-<start>.json` while it runs, and appends what it reuses
 * to `<pid>-<start>.refs` (see guard.ts). A collection (`kiln prune`, the
 * automatic GC) runs under `<root>/leases/gc.lock`, the same lock every
 * reuse takes, and keeps:
 * - everything a live session (the collecting one included: the GC after a
 *   build keeps what that build reused) recorded as used, snapshots with their parents;
 * - everything created after the oldest live session (or the collection itself)
 *   started, since its creator may be about to reference it.
 * A killed process's lease is stale (its pid is gone or belongs to another
 * process) and is removed by the next collection.
 */
import { rmSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Digest } from '../util/digest.js';
import { isAlive, processIdentity, withLock } from '../util/lock.js';
import type { UsedRefs, UseGuard } from './guard.js';
import { rootLayout } from '../util/root-layout.js';

interface LeaseRecord {
  readonly owner: string;
  readonly startedAt: number;
}

/** A collection waits this long for reuses in flight, and reuses wait this long for a collection. */
const LOCK_TIMEOUT_MS = 10 * 60_000;

/** What a collection must keep because of live sessions. */
export interface LiveUse {
  /** Keep anything created at or after this time (ms). */
  readonly keepNewerThan: number;
  readonly blobs: ReadonlySet<Digest>;
  readonly snapshots: ReadonlySet<string>;
  readonly cacheMounts: ReadonlySet<string>;
}

/** A held session lease; `release()` removes it (also done at process exit). */
export interface Lease extends UseGuard {
  readonly startedAt: number;
  /**
   * Runs `fn` as the root's one collection: no other collection and no
   * reuse (guard.ts) runs meanwhile; `fn` gets what live sessions hold.
   */
  collect<T>(fn: (live: LiveUse) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

function leaseDir(root: string): string {
  return rootLayout(root).leases;
}

/** Records this process as a live session in `root`. */
export async function acquireSession(root: string): Promise<Lease> {
  const dir = leaseDir(root);
  await mkdir(dir, { recursive: true });
  const owner = processIdentity() ?? `${process.pid}:`;
  // Started a little early, to cover file times that the kernel's coarse clock rounds down.
  const record: LeaseRecord = { owner, startedAt: Date.now() - 100 };
  const base = join(dir, owner.replace(':', '-'));
  await writeFileAtomic(`${base}.json`, JSON.stringify(record), 0o644, { durable: false });
  const drop = (): void => {
    for (const ext of ['.json', '.refs']) {
      try {
        // Synchronous on exit: the event loop is gone.
        rmSync(`${base}${ext}`, { force: true });
      } catch {
        // nothing to remove
      }
    }
  };
  process.once('exit', drop);
  return new SessionLease(root, base, record.startedAt, drop);
}

class SessionLease implements Lease {
  readonly startedAt: number;
  readonly #root: string;
  readonly #refsFile: string;
  readonly #drop: () => void;
  /** Refs already recorded: a collection can no longer remove them. */
  readonly #recorded = new Set<string>();
  /** This process's turns at the lock, one at a time (the lock file is not reentrant). */
  #queue: Promise<unknown> = Promise.resolve();
  /** True while this process runs a collection: its own reuses need no lock then. */
  #collecting = false;

  constructor(root: string, base: string, startedAt: number, drop: () => void) {
    this.#root = root;
    this.#refsFile = `${base}.refs`;
    this.startedAt = startedAt;
    this.#drop = drop;
  }

  async use<T>(refs: UsedRefs, check: () => Promise<T>): Promise<T> {
    const fresh = [...(refs.blobs ?? []).map((b) => `b${b}`), ...(refs.snapshots ?? []).map((s) => `s${s}`), ...(refs.cacheMounts ?? []).map((m) => `m${m}`)].filter(
      (r) => !this.#recorded.has(r),
    );
    if (fresh.length === 0 || this.#collecting) return check();
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ fresh, run: () => check().then(resolve, reject), fail: reject });
      this.#flush();
    });
  }

  /** Uses that wait for the lock: those arriving together share one turn at it (one lock, one append). */
  #waiting: { fresh: string[]; run: () => Promise<void>; fail: (err: unknown) => void }[] = [];
  #flushing = false;

  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    const batch = this.#locked(async () => {
      const turn = this.#waiting.splice(0);
      try {
        await appendFile(this.#refsFile, turn.map((u) => `${JSON.stringify(u.fresh)}\n`).join(''));
      } catch (err) {
        for (const u of turn) u.fail(err);
        return;
      }
      for (const u of turn) for (const r of u.fresh) this.#recorded.add(r);
      for (const u of turn) await u.run();
    });
    void batch
      .catch((err: unknown) => {
        for (const u of this.#waiting.splice(0)) u.fail(err);
      })
      .finally(() => {
        this.#flushing = false;
        if (this.#waiting.length > 0) this.#flush();
      });
  }

  async collect<T>(fn: (live: LiveUse) => Promise<T>): Promise<T> {
    return this.#locked(async () => {
      this.#collecting = true;
      try {
        return await fn(await liveUse(this.#root, this.startedAt));
      } finally {
        this.#collecting = false;
      }
    });
  }

  async release(): Promise<void> {
    process.off('exit', this.#drop);
    this.#drop();
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(() => withLock(join(leaseDir(this.#root), 'gc.lock'), fn, { timeoutMs: LOCK_TIMEOUT_MS }));
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * Reads every lease under the lock: what live sessions use, and the time from
 * which everything is young; removes the leases of dead processes.
 */
async function liveUse(root: string, myStart: number): Promise<LiveUse> {
  const dir = leaseDir(root);
  const me = processIdentity();
  let keepNewerThan = myStart;
  const blobs = new Set<Digest>();
  const snapshots = new Set<string>();
  const cacheMounts = new Set<string>();
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  for (const name of names) {
    const m = /^(\d+)-(\d*)\.(json|refs)$/.exec(name);
    if (m === null) continue;
    const owner = `${m[1]}:${m[2]}`;
    const path = join(dir, name);
    if (!isAlive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (m[3] === 'json') {
      if (owner === me) continue; // this process's own new data is young from its start (keepNewerThan)
      const rec = await readJson<LeaseRecord>(path);
      if (rec !== undefined) keepNewerThan = Math.min(keepNewerThan, rec.startedAt);
      continue;
    }
    for (const line of (await readFile(path, 'utf8').catch(() => '')).split('\n')) {
      // A line being appended right now belongs to a use that has not taken the lock yet: skip it.
      const refs = tryParse<string[]>(line) ?? [];
      for (const r of refs) {
        if (r.startsWith('b')) blobs.add(r.slice(1) as Digest);
        else if (r.startsWith('s')) snapshots.add(r.slice(1));
        else if (r.startsWith('m')) cacheMounts.add(r.slice(1));
      }
    }
  }
  return { keepNewerThan, blobs, snapshots, cacheMounts };
}

async function readJson<T>(path: string): Promise<T | undefined> {
  return tryParse<T>(await readFile(path, 'utf8').catch(() => ''));
}

function tryParse<T>(text: string): T | undefined {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
