/**
 * A cross-process lock file (`O_CREAT|O_EXCL`) holding the owner's pid and
 * process start time. A lock whose owner is gone (or whose pid was reused by
 * another process) is stale and is taken over, so a killed kiln never leaves
 * its root locked.
 */
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from './errors.js';

/**
 * The identity of a live process: pid plus its start time (field 22 of
 * /proc/PID/stat); undefined when there is none. A zombie (killed, not yet
 * reaped by its parent) counts as gone: it holds nothing any more.
 */
export function processIdentity(pid = process.pid): string | undefined {
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
    try {
      const fh = await open(path, 'wx', 0o644);
      await fh.writeFile(me);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readFile(path, 'utf8').catch(() => '');
    // An empty file may be a lock being written right now; only a dead owner's lock is stale.
    if (owner !== '' && !isAlive(owner)) {
      await breakStale(path, me);
      continue;
    }
    if (Date.now() > deadline) throw new UnavailableError(`lock ${path} is held by pid ${owner.split(':')[0] || '?'}`);
    await sleep(delay);
  }
}

/**
 * Removes a dead owner's lock. Two waiters may both see it stale; removing it
 * by name would let the slower one delete the lock the faster one has just
 * taken. Instead the lock is moved aside (only one rename wins) and, if what
 * was moved turns out to be a live owner's, put back.
 */
async function breakStale(path: string, me: string): Promise<void> {
  const aside = `${path}.stale-${me.replace(':', '-')}-${Date.now()}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved === '' || isAlive(moved)) {
    // Not the stale lock: a live (or just-created) one. Restore it unless a third process took the name.
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}
