/**
 * ADD's tar extraction into a destination directory, merging with what is
 * there, with the rules of current moby/go-archive's `Unpack` as BuildKit
 * runs it (chrooted into the destination): leading `/` is dropped, an entry
 * naming the destination itself (`.`) is skipped, names that climb out with
 * `..` are refused, symlink targets are stored verbatim (containment applies
 * when a link is followed, not when it is made: `symlink ->
 * ../tmp/target` at the top is fine), ownership (or the `--chown` owner),
 * mode and mtime come from the tar, an existing directory is kept when the
 * entry is a directory and replaced otherwise. Unlike a layer apply there
 * are no whiteouts: `.wh.` files are ordinary files.
 *
 * Symlinks already in the destination, and those the archive made, are
 * resolved inside it (as the chroot would), so no entry is ever written
 * outside `destDir`.
 */
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, chmodSync, lutimesSync, mkdirSync, openSync, symlinkSync, unlinkSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { InvalidArgumentError } from '../../util/errors.js';
import { lstatOrUndefined, mkdirAllInRoot } from './dest.js';
import { cleanPath } from './go-path.js';
import { makeNode, type NodeKind } from './mknod.js';
import type { Owner } from './owner.js';

const ROOTLESS = process.getuid?.() !== 0;
const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Options of {@link extractTar}. */
export interface ExtractOptions {
  /** `ADD --chown`: every entry takes this owner instead of the tar's (moby's ChownOpts). */
  readonly owner?: Owner | undefined;
  readonly signal?: AbortSignal | undefined;
}

interface State {
  readonly dest: string;
  readonly owner: Owner | undefined;
  /** Verified parent directories: relative path → host path. */
  readonly parents: Map<string, string>;
  readonly dirTimes: { path: string; mtime: number }[];
}

type Entry = AsyncIterable<Buffer> & { readonly header: Header; resume(): unknown };

/** Extracts the tar read from `input` into host directory `destDir`. */
export async function extractTar(input: Readable, destDir: string, options: ExtractOptions = {}): Promise<void> {
  const { signal } = options;
  const ex = extract();
  input.on('error', (err) => ex.destroy(err));
  input.pipe(ex as unknown as NodeJS.WritableStream);
  const state: State = { dest: destDir, owner: options.owner, parents: new Map([['', destDir]]), dirTimes: [] };
  try {
    for await (const entry of ex as AsyncIterable<Entry>) {
      signal?.throwIfAborted();
      await applyEntry(state, entry);
    }
  } catch (err) {
    input.destroy();
    ex.destroy();
    throw err;
  }
  for (const d of state.dirTimes.reverse()) lutimesSync(d.path, d.mtime, d.mtime);
}

async function applyEntry(state: State, entry: Entry): Promise<void> {
  const h = entry.header;
  const rel = inside(h.name, `tar entry ${JSON.stringify(h.name)}`);
  if (rel === '') {
    entry.resume(); // the destination itself: go-archive skips it
    return;
  }
  if (state.owner !== undefined) {
    h.uid = state.owner.uid;
    h.gid = state.owner.gid;
  }
  const slash = rel.lastIndexOf('/');
  const parent = await parentDir(state, slash < 0 ? '' : rel.slice(0, slash));
  const target = `${parent}/${rel.slice(slash + 1)}`;
  switch (h.type) {
    case 'directory':
      entry.resume();
      return writeDir(state, rel, target, h);
    case 'file':
    case 'contiguous-file':
      await replace(state, target);
      return writeFile(target, entry, h);
    case 'symlink':
      entry.resume();
      await replace(state, target);
      symlinkSync(h.linkname, target);
      own(() => lchownSync(target, h.uid, h.gid));
      return lutimesSync(target, mtimeOf(h), mtimeOf(h));
    case 'link':
      entry.resume();
      return writeHardlink(state, target, h);
    case 'character-device':
    case 'block-device':
    case 'fifo':
      entry.resume();
      await replace(state, target);
      return writeNode(target, h);
    default:
      entry.resume(); // other entry kinds carry no file
  }
}

/** `name` cleaned and relative to the destination; one that climbs out of it is refused. */
function inside(name: string, what: string): string {
  if (name.includes('\0')) throw new InvalidArgumentError(`${what} contains a NUL byte`);
  const rel = cleanPath(name.replace(/^\/+/, ''));
  if (rel === '..' || rel.startsWith('../')) throw new InvalidArgumentError(`${what} is outside of the destination: refusing to extract`);
  return rel === '.' ? '' : rel;
}

/** The host path of directory `rel`, created (0755) if missing, resolved inside the destination. */
async function parentDir(state: State, rel: string): Promise<string> {
  const known = state.parents.get(rel);
  if (known !== undefined) return known;
  const host = await mkdirAllInRoot(state.dest, `/${rel}`, undefined);
  state.parents.set(rel, host);
  return host;
}

/** Removes what is at `target` (a directory recursively); forgets parents that may have gone with it. */
async function replace(state: State, target: string): Promise<void> {
  const st = lstatOrUndefined(target);
  if (st === undefined) return;
  if (st.isDirectory()) await rm(target, { recursive: true, force: true });
  else unlinkSync(target);
  state.parents.clear();
  state.parents.set('', state.dest);
}

async function writeDir(state: State, rel: string, target: string, h: Header): Promise<void> {
  if (lstatOrUndefined(target)?.isDirectory() !== true) {
    await replace(state, target);
    mkdirSync(target, 0o700);
  }
  if (lstatSync(target).isSymbolicLink()) throw new InvalidArgumentError(`tar entry ${JSON.stringify(h.name)} raced with a symlink`);
  own(() => lchownSync(target, h.uid, h.gid));
  chmodSync(target, h.mode & 0o7777);
  state.dirTimes.push({ path: target, mtime: mtimeOf(h) });
  state.parents.set(rel, target);
}

async function writeFile(target: string, entry: Entry, h: Header): Promise<void> {
  const fd = openSync(target, CREATE, 0o600);
  try {
    for await (const chunk of entry) {
      for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
    }
    own(() => fchownSync(fd, h.uid, h.gid)); // before the mode: chown clears setuid/setgid
    fchmodSync(fd, h.mode & 0o7777);
    futimesSync(fd, mtimeOf(h), mtimeOf(h));
  } finally {
    closeSync(fd);
  }
}

/** A hardlink's target must be an earlier non-directory entry inside the destination. */
async function writeHardlink(state: State, target: string, h: Header): Promise<void> {
  const rel = inside(h.linkname, `hardlink target ${JSON.stringify(h.linkname)} of ${JSON.stringify(h.name)}`);
  const slash = rel.lastIndexOf('/');
  const source = `${await parentDir(state, slash < 0 ? '' : rel.slice(0, slash))}/${rel.slice(slash + 1)}`;
  const st = lstatOrUndefined(source);
  if (rel === '' || st === undefined || st.isDirectory()) {
    throw new InvalidArgumentError(`hardlink ${JSON.stringify(h.name)} points at ${JSON.stringify(h.linkname)}, which is not a file extracted before it`);
  }
  if (source === target) return;
  await replace(state, target);
  linkSync(source, target);
}

async function writeNode(target: string, h: Header): Promise<void> {
  const kind: NodeKind = h.type === 'fifo' ? 'fifo' : h.type === 'character-device' ? 'char' : 'block';
  await makeNode(target, kind, h.devmajor, h.devminor);
  own(() => lchownSync(target, h.uid, h.gid));
  chmodSync(target, h.mode & 0o7777); // just made by mknod: not a symlink
  lutimesSync(target, mtimeOf(h), mtimeOf(h));
}

function mtimeOf(h: Header): number {
  return h.mtime.getTime() / 1000;
}

/** Without root a refused chown (EPERM) is expected and ignored. */
function own(chown: () => void): void {
  try {
    chown();
  } catch (err) {
    if (!ROOTLESS || (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}
