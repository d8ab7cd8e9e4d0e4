/**
 * A cross-process lock file holding the owner's pid and process start time,
 * made by hard-linking a file already holding them (so a lock is never seen
 * empty, even when its maker is killed while making it). A lock whose owner is gone (or whose pid was reused by
 * another process) is stale and is taken over, so a killed kiln never leaves
 * its root locked.
 */
import { readFileSync } from 'node:fs';
import { link, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from './errors.js';

/**
 * The identity of a live process: pid plus its start time (field 22 of
 * /proc/PID/stat); undefined when there is none. A zombie (killed, not yet
 * reaped by its parent) counts as gone: it holds nothing any more.
 */
export function processIdentity(pid = process.pid): string | undefined {
  // This process's own identity never changes: read it once.
  if (pid === process.pid) return (self ??= readIdentity(pid));
  return readIdentity(pid);
}

let self: string | undefined;

function readIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return `${pid}:${fields[19] ?? ''}`;
  } catch {
    return undefined;
  }
}

/** True when the process that wrote `identity` (from {@link processIdentity}) still runs. */
export function isAlive(identity: string): boolean {
  const pid = Number(identity.split(':')[0]);
  return Number.isInteger(pid) && pid > 0 && processIdentity(pid) === identity;
}

/** Runs `fn` while holding the lock file `path`; always releases it. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
  await acquire(path, options);
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

async function acquire(path: string, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<void> {
  const me = processIdentity() ?? `${process.pid}:`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    options.signal?.throwIfAborted();
    if (await create(path, me)) return;
    const owner = await readFile(path, 'utf8').catch(() => '');
    // Only a dead owner's lock is stale (or an empty one an older kiln left long ago).
    if (owner !== '' ? !isAlive(owner) : await isStaleEmpty(path)) {
      await breakStale(path, me, owner);
      continue;
    }
    if (Date.now() > deadline) throw new UnavailableError(`lock ${path} is held by pid ${owner.split(':')[0] || '?'}`);
    await sleep(delay);
  }
}

/**
 * Removes a dead owner's lock. Two waiters may both see it stale; removing it
 * by name would let the slower one delete the lock the faster one has just
 * taken. So a lock is broken only under a second lock, `<path>.break`, and
 * only if it still holds the dead owner read under that lock. (A `.break`
 * whose own owner died is removed plainly: it is held for two file calls.)
 */
async function breakStale(path: string, me: string, stale: string): Promise<void> {
  const brk = `${path}.break`;
  if (!(await create(brk, me))) {
    const owner = await readFile(brk, 'utf8').catch(() => '');
    if (owner !== '' && !isAlive(owner)) await rm(brk, { force: true });
    return;
  }
  try {
    if ((await readFile(path, 'utf8').catch(() => '')) === stale) await rm(path, { force: true });
  } finally {
    await rm(brk, { force: true });
  }
}

let made = 0;

/** Creates the lock file holding `me`; false when it exists already. */
async function create(path: string, me: string): Promise<boolean> {
  // Written beside the lock, then linked into place: link(2) fails with EEXIST like O_EXCL,
  // and the lock appears with its owner in it. (A lock created empty and written after would
  // stay empty, and so held, if its maker were killed in between.)
  const tmp = `${path}.${process.pid}-${++made}.new`;
  try {
    await writeFile(tmp, me, { mode: 0o644 });
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** An empty lock older than this was left by an older kiln killed while writing it. */
const EMPTY_LOCK_STALE_MS = 10_000;

async function isStaleEmpty(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.size === 0 && Date.now() - s.mtimeMs > EMPTY_LOCK_STALE_MS;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
