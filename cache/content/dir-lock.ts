/**
 * Owner-stamped directory locks for ingests, safe across processes sharing one
 * root.
 *
 * A locked directory holds an `owner` file: the holder's process identity (pid
 * and start time, see util/lock.ts, so a reused pid is not mistaken for the
 * holder) and a random token (so two holders in one process differ). A locked
 * directory is only ever created whole, by renaming a prepared temp directory
 * onto its name, and only ever removed by renaming it to a temp name first; so
 * no process sees a lock directory without its owner, and a takeover is
 * checked on the directory it actually moved.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '../../util/errors.js';
import { isAlive, processIdentity } from '../../util/lock.js';
import { ifExists } from '../../util/if-exists.js';

/** Who holds a lock: a process identity (`pid:starttime`) and a token. */
export interface Owner {
  readonly identity: string;
  readonly token: string;
}

/** The name of the owner file inside a locked directory. */
export const OWNER_FILE = 'owner';

const tempRe = /^\.tmp-(\d+)-(\d*)-[0-9a-f]+$/;

/** A new owner for this process, with a fresh token. */
export function newOwner(): Owner {
  return { identity: processIdentity() ?? `${process.pid}:`, token: randomBytes(8).toString('hex') };
}

/** The owner file's text. */
export function formatOwner(o: Owner): string {
  return `${o.identity} ${o.token}\n`;
}

/** The pid part of an owner, for messages. */
export function ownerPid(o: Owner): string {
  return o.identity.split(':')[0] ?? '?';
}

/** A unique temp entry name carrying its creator's identity (see {@link tempCreatorAlive}). */
export function tempName(o: Owner): string {
  const [pid, start] = o.identity.split(':');
  return `.tmp-${pid ?? ''}-${start ?? ''}-${randomBytes(6).toString('hex')}`;
}

/** For a {@link tempName} entry, whether its creator still runs; undefined for other names. */
export function tempCreatorAlive(name: string): boolean | undefined {
  const m = tempRe.exec(name);
  return m === null ? undefined : isAlive(`${m[1] ?? ''}:${m[2] ?? ''}`);
}

/** Reads a lock directory's owner: undefined when the directory is gone, null when its owner file is missing or malformed. */
export async function readOwner(dir: string): Promise<Owner | null | undefined> {
  try {
    const m = /^(\d+:\d*) ([0-9a-f]+)\n$/.exec(await readFile(join(dir, OWNER_FILE), 'utf8'));
    return m?.[1] !== undefined && m[2] !== undefined ? { identity: m[1], token: m[2] } : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return (await ifExists(stat(dir))) === undefined ? undefined : null;
  }
}

/**
 * Moves the prepared directory `staged` (holding our owner file) onto `target`.
 * A target held by a live owner fails with FailedPreconditionError
 * ("SUBJECT is locked by pid N"); one held by a dead owner is broken and taken.
 * `tempPath` gives fresh temp paths beside `target`.
 */
export async function claimDir(staged: string, target: string, subject: string, tempPath: () => string): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      await rename(staged, target);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
    const holder = await readOwner(target);
    if (holder !== undefined && holder !== null && isAlive(holder.identity)) {
      throw new FailedPreconditionError(`${subject} is locked by pid ${ownerPid(holder)}`);
    }
    if (holder !== undefined) await breakDir(target, holder, tempPath());
  }
  throw new FailedPreconditionError(`${subject} is busy: its lock keeps changing hands`);
}

/**
 * Moves `target` to `to` if `owner` still holds it (null: if it still has no
 * valid owner). Returns false, leaving things as they were, when someone else
 * holds it or it is gone. The check runs after the rename, on the directory
 * actually moved, so a concurrent claim is never lost unnoticed.
 */
export async function takeDir(target: string, owner: Owner | null, to: string): Promise<boolean> {
  try {
    await rename(target, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const moved = await readOwner(to);
  if (owner === null ? moved === null : moved?.token === owner.token) return true;
  // We moved a directory someone claimed meanwhile: give it back.
  await rename(to, target).catch(() => undefined);
  return false;
}

/** Removes `target` if `holder` (judged dead by the caller) still holds it; true when removed. */
export async function breakDir(target: string, holder: Owner | null, tomb: string): Promise<boolean> {
  if (!(await takeDir(target, holder, tomb))) return false;
  await rm(tomb, { recursive: true, force: true });
  return true;
}
