/**
 * Writes one source entry into the target rootfs, like fsutil's copier
 * (BuildKit's COPY): files are replaced, directories merged, symlinks copied
 * as symlinks, hardlinks within the copied set kept as hardlinks, sockets
 * made empty regular files. Targets
 * are host paths whose parents the caller has verified to be real
 * directories; files are created with O_EXCL|O_NOFOLLOW and metadata is set
 * through file descriptors, so nothing is written through a symlink.
 *
 * Syscalls are synchronous on purpose (see store/layer/apply-entry.ts).
 */
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { FailedPreconditionError } from '../../util/errors.js';
import { lstatOrUndefined, openDir } from './dest.js';
import { makeNode, splitRdev, type NodeKind } from './mknod.js';
import type { ModeFn, Owner } from './owner.js';
import type { TreeEntry } from './tree.js';

const ROOTLESS = process.getuid?.() !== 0;
const EUID = process.geteuid?.() ?? -1;
const EGID = process.getegid?.() ?? -1;
/** The process umask, read once (process.umask() without an argument is deprecated: it sets the mask to read it). */
const UMASK = readUmask();
const CHUNK = 1 << 20;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** State shared by the entries of one COPY. */
export interface CopyContext {
  /** `--chown`; undefined keeps each source's owner. */
  readonly owner: Owner | undefined;
  /** `--chmod`; undefined keeps each source's mode. */
  readonly mode: ModeFn | undefined;
  /** Permission bits of the destination's parent directories the copy creates. */
  readonly dirMode: number;
  /** Source `dev:ino` of multiply linked files → host path of their first copy. */
  readonly links: Map<string, string>;
  readonly buf: Buffer;
  readonly signal: AbortSignal | undefined;
}

/** Creates a fresh context. */
export function copyContext(owner: Owner | undefined, mode: ModeFn | undefined, dirMode: number, signal?: AbortSignal): CopyContext {
  return { owner, mode, dirMode, links: new Map(), buf: Buffer.allocUnsafe(CHUNK), signal };
}

/**
 * Makes sure directory `target` exists (0700 until its metadata is set);
 * returns whether it was created. An existing non-directory is an error.
 */
export function ensureDir(target: string): boolean {
  return ensureDirFresh(target) !== 'existing';
}

/**
 * {@link ensureDir}, telling apart a directory created empty whose new
 * entries get kiln's own uid/gid (no setgid bit inherited: `clean`), so
 * that writes into it can skip checks and calls that change nothing.
 */
export function ensureDirFresh(target: string): 'existing' | 'created' | 'clean' {
  const st = lstatOrUndefined(target);
  if (st === undefined) {
    mkdirSync(target, 0o700);
    const made = lstatOrUndefined(target);
    return made !== undefined && (made.mode & 0o2000) === 0 && made.gid === EGID ? 'clean' : 'created';
  }
  if (!st.isDirectory()) throw new FailedPreconditionError(`cannot copy to non-directory: ${target}`);
  return 'existing';
}

/** Sets a directory's owner, mode and times from its source entry. */
export function finishDir(ctx: CopyContext, target: string, e: TreeEntry): void {
  const fd = openDir(target);
  try {
    setMeta(ctx, fd, e);
  } finally {
    closeSync(fd);
  }
}

/** Sets only a directory's times (an existing top-level destination keeps its other metadata). */
export function restoreDirTimes(target: string, atime: number, mtime: number): void {
  const fd = openDir(target);
  try {
    futimesSync(fd, atime, mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies a non-directory entry from host path `source` to `target`. `fresh`:
 * the target's directory is one {@link ensureDirFresh} called clean, so
 * nothing is in the way and a new file gets kiln's own uid/gid.
 */
export async function writeLeaf(ctx: CopyContext, source: string, target: string, e: TreeEntry, fresh = false): Promise<void> {
  if (!fresh) clearTarget(target);
  switch (e.kind) {
    case 'file':
      return writeFile(ctx, source, target, e, fresh);
    case 'symlink':
      symlinkSync(e.linkTarget, target);
      own(() => lchownSync(target, ctx.owner?.uid ?? e.uid, ctx.owner?.gid ?? e.gid));
      lutimesSync(target, seconds(e.mtimeNs), seconds(e.mtimeNs));
      return;
    case 'fifo':
    case 'char':
    case 'block':
      return writeNode(ctx, target, e, e.kind);
    case 'socket':
      return writeSocketStub(ctx, target, e);
    case 'dir':
      return; // directories are not leaves
    default: {
      const never: never = e.kind;
      return never;
    }
  }
}

/** Removes a file or symlink in the way; a directory there is an error, as in BuildKit. */
function clearTarget(target: string): void {
  const st = lstatOrUndefined(target);
  if (st === undefined) return;
  if (st.isDirectory()) throw new FailedPreconditionError(`cannot replace to directory ${target} with file`);
  unlinkSync(target);
}

async function writeFile(ctx: CopyContext, source: string, target: string, e: TreeEntry, fresh: boolean): Promise<void> {
  const key = `${e.dev}:${e.ino}`;
  const first = e.nlink > 1 ? ctx.links.get(key) : undefined;
  if (first !== undefined) return linkSync(first, target);
  const src = openSync(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(src).isFile()) throw new FailedPreconditionError(`${source} is no longer a regular file`);
    // In a clean directory a plain mode can be given at creation (the umask takes nothing from it) and our own owner is already there.
    const mode = ctx.mode?.(e.mode, false) ?? e.mode;
    const modeAtCreate = fresh && (mode & ~0o777) === 0 && (mode & UMASK) === 0;
    const dst = openSync(target, CREATE, modeAtCreate ? mode : 0o600);
    try {
      await copyData(ctx, src, dst);
      setMeta(ctx, dst, e, { mode: !modeAtCreate, owner: !(fresh && (ctx.owner?.uid ?? e.uid) === EUID && (ctx.owner?.gid ?? e.gid) === EGID) });
    } finally {
      closeSync(dst);
    }
  } finally {
    closeSync(src);
  }
  if (e.nlink > 1) ctx.links.set(key, target);
}

async function copyData(ctx: CopyContext, src: number, dst: number): Promise<void> {
  let sinceYield = 0;
  for (;;) {
    const n = readSync(src, ctx.buf, 0, CHUNK, null);
    if (n === 0) return;
    for (let off = 0; off < n; ) off += writeSync(dst, ctx.buf, off, n - off);
    sinceYield += n;
    if (sinceYield >= 64 * CHUNK) {
      sinceYield = 0;
      ctx.signal?.throwIfAborted();
      await yieldToLoop();
    }
  }
}

/** A socket becomes an empty regular file with its metadata, as fsutil's copier makes it (mknod without S_IFSOCK). */
function writeSocketStub(ctx: CopyContext, target: string, e: TreeEntry): void {
  const fd = openSync(target, CREATE, 0o600);
  try {
    setMeta(ctx, fd, e);
  } finally {
    closeSync(fd);
  }
}

/** Device nodes and fifos, with the entry's owner and mode. */
async function writeNode(ctx: CopyContext, target: string, e: TreeEntry, kind: NodeKind): Promise<void> {
  const { major, minor } = splitRdev(e.rdev);
  await makeNode(target, kind, major, minor);
  own(() => lchownSync(target, ctx.owner?.uid ?? e.uid, ctx.owner?.gid ?? e.gid));
  chmodSync(target, ctx.mode?.(e.mode, false) ?? e.mode); // a node just made by mknod: no symlink to follow
  lutimesSync(target, seconds(e.mtimeNs), seconds(e.mtimeNs));
}

/** chown first: it clears setuid/setgid, so the mode comes after it. `need` skips calls known to change nothing. */
function setMeta(ctx: CopyContext, fd: number, e: TreeEntry, need = { mode: true, owner: true }): void {
  if (need.owner) own(() => fchownSync(fd, ctx.owner?.uid ?? e.uid, ctx.owner?.gid ?? e.gid));
  if (need.mode) fchmodSync(fd, ctx.mode?.(e.mode, e.kind === 'dir') ?? e.mode);
  futimesSync(fd, seconds(e.mtimeNs), seconds(e.mtimeNs));
}

function readUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] === undefined ? 0o777 : parseInt(m[1], 8);
  } catch {
    return 0o777; // unknown: never rely on the mode given at creation
  }
}

/** Without root a refused chown (EPERM) is expected and ignored. */
function own(chown: () => void): void {
  try {
    chown();
  } catch (err) {
    if (!ROOTLESS || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

/** Nanoseconds as the fractional seconds Node's utimes calls take. */
export function seconds(ns: bigint): number {
  return Number(ns) / 1e9;
}
