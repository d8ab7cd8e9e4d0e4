/**
 * Tar headers for files on disk, made deterministic: numeric ids only, whole
 * seconds, mtimes clamped to SOURCE_DATE_EPOCH
 * (https://reproducible-builds.org/specs/source-date-epoch/), no atime/ctime.
 */
import { readlinkSync, type BigIntStats } from 'node:fs';
import { InvalidArgumentError } from '../../util/errors.js';
import type { TarEntryType, TarHeader } from './tar-header.js';

/** One entry for the layer writer; `source` is the file whose bytes follow the header. */
export interface DiffEntry {
  readonly header: TarHeader;
  readonly source: string | null;
}

/** xattrs carried into layers; the overlay's own attributes never are. */
export const KEPT_XATTRS: ReadonlySet<string> = new Set(['security.capability']);

const NO_XATTRS: ReadonlyMap<string, Buffer> = new Map();

/** Whole-second mtime, clamped to `sourceDateEpoch` when it is set. */
export function clampedMtime(st: BigIntStats, sourceDateEpoch: number | undefined): number {
  const secs = Number(st.mtimeNs / 1_000_000_000n) - (st.mtimeNs < 0n && st.mtimeNs % 1_000_000_000n !== 0n ? 1 : 0);
  return sourceDateEpoch !== undefined && secs > sourceDateEpoch ? sourceDateEpoch : secs;
}

/**
 * The header for `rel` (abs path `abs`); null for sockets, which layers do not
 * carry. A real file named `.wh.*` cannot be told from a whiteout, so it is refused.
 */
export function entryFromStat(
  abs: string,
  rel: string,
  st: BigIntStats,
  xattrs: ReadonlyMap<string, Buffer> | undefined,
  sourceDateEpoch: number | undefined,
): DiffEntry | null {
  if (rel.slice(rel.lastIndexOf('/') + 1).startsWith('.wh.')) {
    throw new InvalidArgumentError(`file ${JSON.stringify(rel)} cannot go into a layer: names starting with ".wh." are whiteouts`);
  }
  const type = typeOf(st);
  if (type === null) return null;
  const [devmajor, devminor] = type === 'char' || type === 'block' ? splitRdev(st.rdev) : [0, 0];
  const header: TarHeader = {
    name: rel,
    type,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: clampedMtime(st, sourceDateEpoch),
    size: type === 'file' ? Number(st.size) : 0,
    linkname: type === 'symlink' ? readlinkSync(abs) : '',
    devmajor,
    devminor,
    xattrs: keptXattrs(xattrs),
  };
  return { header, source: type === 'file' && header.size > 0 ? abs : null };
}

/** The same entry as a hardlink to `target`, the path where the inode first appeared. */
export function asHardlink(e: DiffEntry, target: string): DiffEntry {
  return { header: { ...e.header, type: 'hardlink', size: 0, linkname: target, devmajor: 0, devminor: 0 }, source: null };
}

/**
 * Finds hardlinks within one layer: the first path (in walk order) of an
 * inode with more than one link is the file, later ones link to it.
 */
export class HardlinkTracker {
  readonly #first = new Map<string, string>();

  /** The earlier path of the same inode, or undefined (and `rel` is remembered). */
  seen(st: BigIntStats, rel: string): string | undefined {
    if (st.nlink < 2n || st.isDirectory()) return undefined;
    const key = `${st.dev}:${st.ino}`;
    const first = this.#first.get(key);
    if (first === undefined) this.#first.set(key, rel);
    return first;
  }
}

function keptXattrs(all: ReadonlyMap<string, Buffer> | undefined): ReadonlyMap<string, Buffer> {
  if (all === undefined) return NO_XATTRS;
  const kept = [...all].filter(([k]) => KEPT_XATTRS.has(k));
  return kept.length === 0 ? NO_XATTRS : new Map(kept);
}

function typeOf(st: BigIntStats): TarEntryType | null {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return null;
}

/** Linux's dev_t layout (glibc gnu_dev_major / gnu_dev_minor). */
function splitRdev(rdev: bigint): [number, number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}
