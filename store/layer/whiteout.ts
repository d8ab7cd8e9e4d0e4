/**
 * OCI whiteouts and their overlayfs counterparts.
 * https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
 * https://docs.kernel.org/filesystems/overlayfs.html#whiteouts-and-opaque-directories
 */
import type { BigIntStats } from 'node:fs';
import { clampedMtime, type DiffEntry } from './entry-from-stat.js';
import type { TarHeader } from './tar-header.js';

/** `.wh.<name>` in a layer deletes `<name>` from the layers below. */
export const WHITEOUT_PREFIX = '.wh.';
/** Names starting with this are whiteout metadata (aufs), never files. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';
/** In a directory, hides everything the layers below have in it. */
export const OPAQUE = '.wh..wh..opq';

const NO_XATTRS: ReadonlyMap<string, Buffer> = new Map();

/** An overlay whiteout: a character device with device number 0/0. */
export function isOverlayWhiteout(st: BigIntStats): boolean {
  return st.isCharacterDevice() && st.rdev === 0n;
}

/** The `.wh.<name>` entry for a deleted `rel`, an empty regular file (docker's mode 0600). */
export function whiteoutEntry(rel: string, owner: { uid: number; gid: number; mtime: number }): DiffEntry {
  const slash = rel.lastIndexOf('/');
  const name = slash < 0 ? `${WHITEOUT_PREFIX}${rel}` : `${rel.slice(0, slash + 1)}${WHITEOUT_PREFIX}${rel.slice(slash + 1)}`;
  return { header: marker(name, 0o600, owner), source: null };
}

/** The whiteout for an overlay 0/0 device at `rel`, keeping its owner and (clamped) mtime. */
export function overlayWhiteoutEntry(rel: string, st: BigIntStats, sourceDateEpoch: number | undefined): DiffEntry {
  return whiteoutEntry(rel, { uid: Number(st.uid), gid: Number(st.gid), mtime: clampedMtime(st, sourceDateEpoch) });
}

/** `<dir>/.wh..wh..opq`, written right after its directory's own entry. */
export function opaqueEntry(dir: TarHeader): DiffEntry {
  return { header: marker(`${dir.name}/${OPAQUE}`, dir.mode & 0o777, dir), source: null };
}

function marker(name: string, mode: number, owner: { uid: number; gid: number; mtime: number }): TarHeader {
  return {
    name,
    type: 'file',
    mode,
    uid: owner.uid,
    gid: owner.gid,
    mtime: owner.mtime,
    size: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: NO_XATTRS,
  };
}
