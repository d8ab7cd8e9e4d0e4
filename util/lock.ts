/**
 * A cross-process lock file (`O_CREAT|O_EXCL`) holding the owner's pid and
 * process start time. A lock whose owner is gone (or whose pid was reused by
 * another process) is stale and is taken over, so a killed kiln never leaves
 * its root locked.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
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
    // An empty file may be a lock being written right now; only a dead owner's lock is stale.
    if (owner !== '' && !isAlive(owner)) {
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

/** Creates the lock file holding `me`; false when it exists already. */
async function create(path: string, me: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(me);
    await fh.close();
    return true;
  } catch (err) {
    // A lock whose owner could not be written (a full disk) would stay empty, and so held, for ever.
    await fh.close().catch(() => undefined);
    await rm(path, { force: true });
    throw err;
  }
}
