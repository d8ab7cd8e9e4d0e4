/**
 * Performs a COPY or ADD of selected local sources into a target rootfs (a
 * writable directory the caller prepared, e.g. a mounted overlay), with
 * BuildKit's destination rules (https://docs.docker.com/reference/dockerfile/#copy):
 *
 * - a destination ending in `/` (or `.`), or an existing directory, receives
 *   files under their own names; otherwise a single file becomes the
 *   destination path; several sources need a directory destination (the
 *   Dockerfile reference's rule, which kiln keeps; archives ADD extracts do
 *   not count, they always go into a directory);
 * - a directory source's contents are merged into the destination, which is
 *   created if missing;
 * - missing parent directories are created 0755, or with an octal
 *   `--chmod`'s permission bits (fsutil's MkdirAll), owned by the `--chown`
 *   user when there is one, else root;
 * - without `--chown` each entry keeps its source owner (the build context's
 *   entries are 0:0); without `--chmod` its mode; mtimes are kept;
 * - ADD extracts local tar archives (plain, gzip, bzip2, xz, zstd) into the
 *   destination instead of copying them, unless unpacking is off; with
 *   `--chown` every extracted entry takes that owner (moby's ChownOpts).
 *
 * Every destination path is resolved inside the rootfs, so a symlink in the
 * image never redirects a write to the host.
 */
import { mkdirSync } from 'node:fs';
import { resolve as resolveHost } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { FailedPreconditionError, InvalidArgumentError } from '../../util/errors.js';
import { archiveCompression, extractArchive, type Compression } from './archive.js';
import { copyContext, ensureDir, ensureDirFresh, finishDir, restoreDirTimes, writeLeaf, type CopyContext } from './copy-entry.js';
import { hostPath, isDirAt, lstatOrUndefined, mkdirAllInRoot, parseDestination, type Destination } from './dest.js';
import { cleanPath } from './go-path.js';
import { parseChmod, resolveChown } from './owner.js';
import type { PatternMatcher } from './patternmatcher.js';
import { excludeBase, type SelectedSource, type Selection } from './select.js';
import type { SourceTree, TreeEntry } from './tree.js';
import { walkSelected } from './walk.js';

const YIELD_ENTRIES = 256;

/** How to copy. */
export interface CopyOptions {
  /** Host path of the target rootfs. */
  readonly rootfs: string;
  /** The destination as written; relative ones are below `workdir`. */
  readonly dest: string;
  readonly workdir?: string;
  /** `--chown` (names resolved in the target rootfs). */
  readonly chown?: string | undefined;
  /** `--chmod`, octal or symbolic. */
  readonly chmod?: string | undefined;
  /** ADD: extract local archives (`--unpack`, default true for ADD). */
  readonly unpack?: boolean;
  /** Names the instruction in messages. */
  readonly instruction?: 'COPY' | 'ADD';
  readonly signal?: AbortSignal;
}

/** What a copy did. */
export interface CopyResult {
  /** Entries written (directories included). */
  readonly entries: number;
  /** Archives extracted. */
  readonly unpacked: number;
}

/** Copies `selection` (from {@link selectSources} over `tree`) into the rootfs. */
export async function copySelection(tree: SourceTree, selection: Selection, options: CopyOptions): Promise<CopyResult> {
  const rootfs = resolveHost(options.rootfs);
  const dest = parseDestination(options.dest, options.workdir);
  const owner = options.chown !== undefined && options.chown !== '' ? await resolveChown(rootfs, options.chown) : undefined;
  const mode = options.chmod !== undefined && options.chmod !== '' ? parseChmod(options.chmod) : undefined;
  const ctx = copyContext(owner, mode, dirMode(options.chmod), options.signal);
  const archives = await findArchives(tree, selection.items, options.unpack === true);
  const destIsDir = dest.isDir || isDirAt(await hostPath(rootfs, dest.path));
  if (selection.items.length - archives.size > 1 && !destIsDir) {
    throw new InvalidArgumentError(`When using ${options.instruction ?? 'COPY'} with more than one source file, the destination must be a directory and end with a /`);
  }
  try {
    return await copyAll(ctx, tree, selection, archives, { rootfs, dest, destIsDir, signal: options.signal });
  } catch (err) {
    // Messages name container paths, not where the rootfs happens to be mounted.
    if (err instanceof FailedPreconditionError) err.message = err.message.split(rootfs).join('');
    throw err;
  }
}

/** The permission bits of directories a copy creates: an octal `--chmod`'s, else 0755 (fsutil's MkdirAll). */
function dirMode(chmod: string | undefined): number {
  return chmod !== undefined && /^[0-7]{1,4}$/.test(chmod) ? parseInt(chmod, 8) & 0o777 : 0o755;
}

/** The selected files ADD extracts instead of copying, with their compression. */
async function findArchives(tree: SourceTree, items: readonly SelectedSource[], unpack: boolean): Promise<Map<SelectedSource, Compression>> {
  const out = new Map<SelectedSource, Compression>();
  if (!unpack) return out;
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const compression = await archiveCompression(tree.abs(item.rel));
    if (compression !== undefined) out.set(item, compression);
  }
  return out;
}

async function copyAll(ctx: CopyContext, tree: SourceTree, selection: Selection, archives: ReadonlyMap<SelectedSource, Compression>, t: Target): Promise<CopyResult> {
  const { rootfs, dest } = t;
  let entries = 0;
  let unpacked = 0;
  if (selection.makesDest) await mkdirAllInRoot(rootfs, dest.path, ctx.owner, ctx.dirMode);
  for (const item of selection.items) {
    t.signal?.throwIfAborted();
    const compression = archives.get(item);
    if (compression !== undefined) {
      // Like BuildKit's unpack: the destination is a directory, made 0755 (no --chmod) and owned by --chown.
      const dir = await mkdirAllInRoot(rootfs, dest.path, ctx.owner, 0o755);
      await extractArchive(tree.abs(item.rel), compression, dir, { owner: ctx.owner, signal: t.signal });
      unpacked++;
      continue;
    }
    // Per source, as fsutil decides: an earlier extraction may have made the destination a directory.
    const destIsDir = t.destIsDir || (unpacked > 0 && isDirAt(await hostPath(rootfs, dest.path)));
    entries += await copyItem(ctx, tree, item, selection.exclude, { ...t, destIsDir });
  }
  return { entries, unpacked };
}

interface Target {
  readonly rootfs: string;
  readonly dest: Destination;
  readonly destIsDir: boolean;
  readonly signal: AbortSignal | undefined;
}

/** Copies one selected source; returns the number of entries written. */
async function copyItem(ctx: CopyContext, tree: SourceTree, item: SelectedSource, exclude: PatternMatcher | undefined, t: Target): Promise<number> {
  const isDir = item.kind === 'dir';
  const top = isDir || t.destIsDir ? joinPath(t.dest.path, item.destRel) : t.dest.path;
  const entry = tree.entry(item.rel);
  if (entry === undefined) return 0;
  if (item.parentsBase !== undefined) return copyWithParents(ctx, tree, item, entry, exclude, t);
  if (!isDir) {
    await mkdirAllInRoot(t.rootfs, parentPath(top), ctx.owner, ctx.dirMode);
    await writeLeaf(ctx, tree.abs(item.rel), await hostPath(t.rootfs, top), entry);
    return 1;
  }
  const hostTop = await mkdirAllInRoot(t.rootfs, top, ctx.owner, ctx.dirMode);
  const before = lstatOrUndefined(hostTop);
  const n = await copyTree(ctx, tree, item.rel, exclude, hostTop);
  if (before !== undefined) restoreDirTimes(hostTop, before.atimeMs / 1000, before.mtimeMs / 1000);
  return n;
}

/**
 * `--parents`: the kept path's directories below the destination are
 * created from their source directories' metadata, like BuildKit's
 * delayed parent creation.
 */
async function copyWithParents(
  ctx: CopyContext,
  tree: SourceTree,
  item: SelectedSource,
  entry: TreeEntry,
  exclude: PatternMatcher | undefined,
  t: Target,
): Promise<number> {
  let host = await mkdirAllInRoot(t.rootfs, t.dest.path, ctx.owner, ctx.dirMode);
  const parts = item.destRel === '' ? [] : item.destRel.split('/');
  const isDir = entry.kind === 'dir';
  let created = false;
  for (let i = 0; i < (isDir ? parts.length : parts.length - 1); i++) {
    host = `${host}/${parts[i] ?? ''}`;
    const made = ensureDir(host);
    if (isDir && i === parts.length - 1) {
      created = made;
      continue;
    }
    const source = tree.entry(joinRel(item.parentsBase ?? '', parts.slice(0, i + 1).join('/')));
    if (made && source?.kind === 'dir') finishDir(ctx, host, source);
  }
  if (!isDir) {
    await writeLeaf(ctx, tree.abs(item.rel), `${host}/${parts[parts.length - 1] ?? ''}`, entry);
    return 1;
  }
  const n = await copyTree(ctx, tree, item.rel, exclude, host, excludeBase(item));
  if (created) finishDir(ctx, host, entry);
  return n + 1;
}

/** Copies everything below source directory `rel` into host directory `hostTop`, finishing directories after their contents. */
async function copyTree(ctx: CopyContext, tree: SourceTree, rel: string, exclude: PatternMatcher | undefined, hostTop: string, base = ''): Promise<number> {
  const open: { sub: string; host: string; entry: TreeEntry; clean: boolean }[] = [];
  let n = 0;
  for (const { entry, sub } of walkSelected(tree, rel, exclude, base)) {
    if (sub === '') continue;
    while (open.length > 0 && !sub.startsWith(`${open[open.length - 1]?.sub ?? ''}/`)) {
      const done = open.pop();
      if (done !== undefined) finishDir(ctx, done.host, done.entry);
    }
    if (++n % YIELD_ENTRIES === 0) {
      ctx.signal?.throwIfAborted();
      await yieldToLoop(); // a big tree must not hold the event loop for seconds
    }
    const host = `${hostTop}/${sub}`;
    const parent = open[open.length - 1];
    // A directory this copy made empty has nothing in the way of its entries.
    const fresh = parent !== undefined && parent.clean && sub.lastIndexOf('/') === parent.sub.length && sub.startsWith(parent.sub);
    if (entry.kind === 'dir') {
      const made = fresh ? (mkdirSync(host, 0o700), 'clean') : ensureDirFresh(host);
      open.push({ sub, host, entry, clean: made === 'clean' });
    } else {
      await writeLeaf(ctx, tree.abs(entry.rel), host, entry, fresh);
    }
  }
  for (let done = open.pop(); done !== undefined; done = open.pop()) finishDir(ctx, done.host, done.entry);
  return n;
}

function joinPath(dir: string, rel: string): string {
  return rel === '' ? dir : cleanPath(`${dir}/${rel}`);
}

function joinRel(dir: string, rel: string): string {
  if (dir === '') return rel;
  return rel === '' ? dir : `${dir}/${rel}`;
}

function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
