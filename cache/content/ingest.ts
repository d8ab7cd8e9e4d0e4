/**
 * The ingest area of a local content store: one directory per in-progress
 * write, `<root>/<encoded ref>/`, holding `owner` (see dir-lock.ts) and `data`.
 * Commit and removal first move the directory to a private temp name, so a
 * writer only ever publishes or deletes its own data.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../../util/atomic-write.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../util/errors.js';
import { isAlive } from '../../util/lock.js';
import { OWNER_FILE, breakDir, claimDir, formatOwner, newOwner, readOwner, takeDir, tempCreatorAlive, tempName, type Owner } from './dir-lock.js';

const DATA_FILE = 'data';
const MAX_NAME = 200;

/**
 * The directory name for an ingest ref: bytes outside `[A-Za-z0-9_.:-]` (and a
 * leading `.`) are percent-encoded, so distinct refs never share a directory
 * and none escapes the ingest root; very long refs become `~<sha256 of ref>`.
 */
export function ingestDirName(ref: string): string {
  if (ref === '') throw new InvalidArgumentError('ingest ref: must not be empty');
  const enc = ref.replace(/[^A-Za-z0-9_.:-]|^\./gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
  return enc.length <= MAX_NAME ? enc : `~${createHash('sha256').update(ref).digest('hex')}`;
}

/** One ingest claimed by this process, with its data file open for writing. */
export class Ingest {
  /** The caller's name for this write. */
  readonly ref: string;
  readonly #root: string;
  readonly #dir: string;
  readonly #owner: Owner;
  readonly #file: FileHandle;
  #closed = false;

  private constructor(root: string, ref: string, owner: Owner, file: FileHandle) {
    this.#root = root;
    this.ref = ref;
    this.#dir = join(root, ingestDirName(ref));
    this.#owner = owner;
    this.#file = file;
  }

  /** Claims the ingest `ref` under `root`; FailedPreconditionError when a live writer holds it. */
  static async open(root: string, ref: string): Promise<Ingest> {
    const target = join(root, ingestDirName(ref));
    await mkdir(root, { recursive: true });
    const owner = newOwner();
    const staged = join(root, tempName(owner));
    await mkdir(staged);
    let file: FileHandle | undefined;
    try {
      await writeFile(join(staged, OWNER_FILE), formatOwner(owner));
      file = await open(join(staged, DATA_FILE), 'wx', 0o644);
      await claimDir(staged, target, `ingest ${ref}`, () => join(root, tempName(owner)));
      return new Ingest(root, ref, owner, file);
    } catch (err) {
      await file?.close();
      await rm(staged, { recursive: true, force: true });
      throw err;
    }
  }

  /** Appends all of `chunk` to the data file. */
  async write(chunk: Uint8Array): Promise<void> {
    for (let off = 0; off < chunk.length; ) {
      const { bytesWritten } = await this.#file.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  }

  /**
   * Makes the data durable and read-only, then publishes it at `blobPath`
   * unless `keepExisting` says the blob already there stays, and removes the ingest. The blob appears
   * whole or not at all: it is renamed into place after fsync and chmod.
   */
  async commit(blobPath: string, keepExisting: () => Promise<boolean>): Promise<void> {
    const now = new Date();
    await this.#file.sync();
    await this.#file.chmod(0o444);
    await this.#file.utimes(now, now);
    await this.#close();
    const priv = await this.#detach();
    if (priv === undefined) throw new FailedPreconditionError(`ingest ${this.ref}: lost its lock before commit`);
    try {
      if (await keepExisting()) return;
      await rename(join(priv, DATA_FILE), blobPath);
      await fsyncDir(dirname(blobPath));
    } finally {
      await rm(priv, { recursive: true, force: true });
    }
  }

  /** Closes the data file and removes the ingest (if it is still ours). Idempotent. */
  async discard(): Promise<void> {
    await this.#close();
    const priv = await this.#detach();
    if (priv !== undefined) await rm(priv, { recursive: true, force: true });
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#file.close();
  }

  /** Moves the ingest to a private temp directory if it is still ours; its path, else undefined. */
  async #detach(): Promise<string | undefined> {
    const priv = join(this.#root, tempName(this.#owner));
    return (await takeDir(this.#dir, this.#owner, priv)) ? priv : undefined;
  }
}

/**
 * Removes what writers that are gone left under `root`: ingests whose owner
 * process has exited (or whose owner file is unreadable) and temp entries of
 * dead processes. Returns how many entries it removed.
 */
export async function cleanupIngests(root: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const tomb = (): string => join(root, tempName(newOwner()));
  let removed = 0;
  for (const name of names) {
    const path = join(root, name);
    const tempAlive = tempCreatorAlive(name);
    if (tempAlive === false) await rm(path, { recursive: true, force: true });
    if (tempAlive !== undefined) {
      removed += tempAlive ? 0 : 1;
      continue;
    }
    const holder = await readOwner(path);
    if (holder === undefined || (holder !== null && isAlive(holder.identity))) continue;
    if (await breakDir(path, holder, tomb())) removed++;
  }
  return removed;
}
