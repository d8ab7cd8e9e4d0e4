/**
 * The changes between two full trees (the copy-based snapshotter keeps whole
 * trees, not upper dirs). An entry is changed when its type, mode, owner,
 * size, mtime, symlink target, device number or capability differ; equal
 * files whose mtime has no sub-second part (a coarse clock or a copy) are also
 * compared byte by byte, as containerd's double walk does. Deletions become
 * `.wh.` whiteouts. Synchronous syscalls, as in diff.ts.
 */
import { closeSync, constants, lstatSync, openSync, readlinkSync, readSync, type BigIntStats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { asHardlink, clampedMtime, entryFromStat, HardlinkTracker, KEPT_XATTRS, type DiffEntry } from './entry-from-stat.js';
import { childPath, compareNames, sortedNames } from './sorted-names.js';
import { whiteoutEntry } from './whiteout.js';
import { readXattrs, type XattrMap } from './xattrs.js';

const XATTR_PATTERN = '^security\\.capability$';
const CHUNK = 1 << 20;

interface Walk {
  readonly lower: string;
  readonly upper: string;
  readonly lowerXattrs: XattrMap;
  readonly upperXattrs: XattrMap;
  readonly links: HardlinkTracker;
  readonly sourceDateEpoch: number | undefined;
}

/** Entries that turn `lower` into `upper`, parents first, names bytewise sorted. */
export async function* treeEntries(lower: string, upper: string, sourceDateEpoch: number | undefined): AsyncGenerator<DiffEntry, void, undefined> {
  const [l, u] = await Promise.all([realpath(lower), realpath(upper)]);
  const [lowerXattrs, upperXattrs] = await Promise.all([readXattrs(l, XATTR_PATTERN), readXattrs(u, XATTR_PATTERN)]);
  yield* walk({ lower: l, upper: u, lowerXattrs, upperXattrs, links: new HardlinkTracker(), sourceDateEpoch }, '', true);
}

async function* walk(w: Walk, dir: string, lowerIsDir: boolean): AsyncGenerator<DiffEntry, void, undefined> {
  const upperNames = sortedNames(abs(w.upper, dir), dir);
  const lowerNames = lowerIsDir ? sortedNames(abs(w.lower, dir), dir) : [];
  const dirStat = lstatSync(abs(w.upper, dir), { bigint: true });
  for (const [name, inUpper, inLower] of merge(upperNames, lowerNames)) {
    const rel = childPath(dir, name);
    if (!inUpper) {
      // A deletion has no inode of its own: it takes the directory's owner and mtime.
      yield whiteoutEntry(rel, { uid: Number(dirStat.uid), gid: Number(dirStat.gid), mtime: clampedMtime(dirStat, w.sourceDateEpoch) });
      continue;
    }
    const st = lstatSync(abs(w.upper, rel), { bigint: true });
    const lowerSt = inLower ? lstatSync(abs(w.lower, rel), { bigint: true }) : undefined;
    if (lowerSt === undefined || changed(w, rel, st, lowerSt)) {
      const entry = entryFromStat(abs(w.upper, rel), rel, st, w.upperXattrs.get(rel), w.sourceDateEpoch);
      if (entry === null) continue;
      const first = w.links.seen(st, rel);
      yield first === undefined ? entry : asHardlink(entry, first);
    }
    if (st.isDirectory()) yield* walk(w, rel, lowerSt?.isDirectory() === true);
  }
}

/** Merges two bytewise-sorted name lists into [name, inUpper, inLower]. */
function* merge(upper: readonly string[], lower: readonly string[]): Generator<[string, boolean, boolean]> {
  let i = 0;
  let j = 0;
  while (i < upper.length || j < lower.length) {
    const u = upper[i];
    const l = lower[j];
    const cmp = u === undefined ? 1 : l === undefined ? -1 : compareNames(u, l);
    if (cmp === 0) {
      yield [u as string, true, true];
      i++;
      j++;
    } else if (cmp < 0) {
      yield [u as string, true, false];
      i++;
    } else {
      yield [l as string, false, true];
      j++;
    }
  }
}

function changed(w: Walk, rel: string, u: BigIntStats, l: BigIntStats): boolean {
  if (u.mode !== l.mode || u.uid !== l.uid || u.gid !== l.gid || u.mtimeNs !== l.mtimeNs) return true;
  if (!sameXattrs(w.upperXattrs.get(rel), w.lowerXattrs.get(rel))) return true;
  if (u.isSymbolicLink()) return readlinkSync(abs(w.upper, rel)) !== readlinkSync(abs(w.lower, rel));
  if (u.isCharacterDevice() || u.isBlockDevice()) return u.rdev !== l.rdev;
  if (!u.isFile()) return false;
  if (u.size !== l.size) return true;
  return u.mtimeNs % 1_000_000_000n === 0n && !sameContent(abs(w.upper, rel), abs(w.lower, rel), Number(u.size));
}

function sameXattrs(a: ReadonlyMap<string, Buffer> | undefined, b: ReadonlyMap<string, Buffer> | undefined): boolean {
  for (const k of KEPT_XATTRS) {
    const x = a?.get(k);
    const y = b?.get(k);
    if (x === undefined ? y !== undefined : y === undefined || !x.equals(y)) return false;
  }
  return true;
}

function sameContent(a: string, b: string, size: number): boolean {
  const fa = openSync(a, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const fb = openSync(b, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const ba = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, size)));
      const bb = Buffer.allocUnsafe(ba.length);
      for (let pos = 0; ; ) {
        const ra = readSync(fa, ba, 0, ba.length, pos);
        const rb = readSync(fb, bb, 0, bb.length, pos);
        if (ra !== rb || !ba.subarray(0, ra).equals(bb.subarray(0, rb))) return false;
        if (ra === 0) return true;
        pos += ra;
      }
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

function abs(root: string, rel: string): string {
  return rel === '' ? root : `${root}/${rel}`;
}
