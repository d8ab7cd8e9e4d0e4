/**
 * A streaming tar reader for layers: ustar, PAX (local and global), GNU long
 * names and GNU sparse files. Entries come one at a time with their data as a
 * stream of views into the source's chunks; nothing is buffered beyond a header.
 * Truncated or corrupt input fails with an InvalidArgumentError naming the entry.
 */
import { InvalidArgumentError, NotImplementedError } from '../../util/errors.js';
import { ByteReader } from './byte-reader.js';
import { checkMap, inlineMap, oldGnuMap, oldGnuRealSize, paxSparse, type SparseSegment } from './sparse.js';
import { decodeBlock, isZeroBlock, parsePax, type RawHeader } from './tar-decode.js';
import { BLOCK, type TarEntryType, type TarHeader } from './tar-header.js';

/** One entry of a tar stream. */
export interface TarEntry {
  readonly header: TarHeader;
  /** Where the stored data goes in the file, for GNU sparse files; null for dense files. */
  readonly sparse: readonly SparseSegment[] | null;
  /** The stored data; read it (or not) before asking for the next entry. */
  body(): AsyncGenerator<Buffer, void, undefined>;
}

type Records = Array<readonly [string, Buffer]>;

interface Pending {
  last: string;
  global: Records;
  local: Records | undefined;
  longName: string | undefined;
  longLink: string | undefined;
}

const MAX_META = 1 << 20;
const TYPES: Readonly<Record<string, TarEntryType>> = {
  '0': 'file',
  '7': 'file',
  S: 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  D: 'dir',
  '6': 'fifo',
};

/** Reads a tar stream entry by entry, then drains the source past the end marker. */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry, void, undefined> {
  const r = new ByteReader(source);
  const p: Pending = { last: '', global: [], local: undefined, longName: undefined, longLink: undefined };
  for (;;) {
    const block = await r.read(BLOCK);
    if (block.length < BLOCK) throw truncated(p.last === '' ? 'at its start' : `after entry ${JSON.stringify(p.last)}`);
    if (isZeroBlock(block)) return await r.drain();
    const raw = decodeBlock(block);
    if (typeof raw === 'string') throw corrupt(raw, r.offset - BLOCK, p.last);
    if (await readMeta(r, raw, p)) continue;
    const records = [...p.global, ...(p.local ?? [])];
    const name = entryName(raw, records, p);
    p.last = name;
    const onEnd = (): Error => truncated(`at entry ${JSON.stringify(name)}`);
    const layout = await dataLayout(r, raw, records, name, onEnd);
    const header = buildHeader(raw, records, name, p, layout.realSize);
    p.local = undefined;
    p.longName = undefined;
    p.longLink = undefined;
    const dataStop = layout.dataStart + layout.stored;
    yield { header, sparse: layout.sparse, body: () => r.pieces(Math.max(0, dataStop - r.offset), onEnd) };
    await r.skip(layout.dataEnd - r.offset, onEnd);
  }
}

/** Consumes PAX, global PAX and GNU long-name entries; true when `raw` was one. */
async function readMeta(r: ByteReader, raw: RawHeader, p: Pending): Promise<boolean> {
  const kind = raw.typeflag;
  if (kind === 'V') {
    await r.skip(roundUp(raw.size), () => truncated('in a volume label'));
    return true;
  }
  if (kind !== 'x' && kind !== 'g' && kind !== 'L' && kind !== 'K') return false;
  const after = p.last === '' ? 'at the start' : `after entry ${JSON.stringify(p.last)}`;
  if (raw.size > MAX_META) throw new InvalidArgumentError(`layer tar has an extended header of ${raw.size} bytes ${after}: the limit is ${MAX_META}`);
  const data = await r.read(roundUp(raw.size));
  if (data.length < roundUp(raw.size)) throw truncated(`in an extended header ${after}`);
  const body = data.subarray(0, raw.size);
  if (kind === 'L' || kind === 'K') {
    const end = body.indexOf(0);
    const text = body.toString('utf8', 0, end < 0 ? body.length : end);
    if (kind === 'L') p.longName = text;
    else p.longLink = text;
    return true;
  }
  const records = parsePax(body);
  if (typeof records === 'string') throw corrupt(records, r.offset - data.length, p.last);
  if (kind === 'g') p.global = [...p.global, ...records];
  else p.local = [...(p.local ?? []), ...records];
  return true;
}

function entryName(raw: RawHeader, records: Records, p: Pending): string {
  const sparseName = lastRecord(records, 'GNU.sparse.name');
  const path = lastRecord(records, 'path');
  return sparseName ?? path ?? p.longName ?? raw.name;
}

/** Bytes that follow the header in the archive (before padding). */
function storedSize(raw: RawHeader, records: Records): number {
  const size = lastRecord(records, 'size');
  return size !== undefined && raw.typeflag !== 'S' ? Number(size) : raw.size;
}

interface DataLayout {
  readonly realSize: number;
  /** Bytes of file data stored in the archive. */
  readonly stored: number;
  readonly dataStart: number;
  /** Where the next header starts. */
  readonly dataEnd: number;
  readonly sparse: readonly SparseSegment[] | null;
}

/** Reads any sparse map and says where the file's bytes go. */
async function dataLayout(r: ByteReader, raw: RawHeader, records: Records, name: string, onEnd: () => Error): Promise<DataLayout> {
  const stored = storedSize(raw, records);
  if (!Number.isSafeInteger(stored) || stored < 0) throw bad(name, 'has an invalid size');
  const start = r.offset;
  // Old GNU extension blocks sit before the data; a PAX 1.0 map is part of it.
  const sparse = raw.typeflag === 'S' ? await oldGnuSparse(r, raw, name, onEnd) : await paxSparseLayout(r, records, stored, name, onEnd);
  if (sparse === null) return { realSize: stored, stored, dataStart: start, dataEnd: start + roundUp(stored), sparse: null };
  const dataStored = stored - sparse.mapBytes;
  const problem = checkMap(sparse.segments, sparse.realSize, dataStored);
  if (problem !== null) throw bad(name, problem);
  const dataEnd = (raw.typeflag === 'S' ? r.offset : start) + roundUp(stored);
  return { realSize: sparse.realSize, stored: dataStored, dataStart: r.offset, dataEnd, sparse: sparse.segments };
}

interface SparseInfo {
  readonly realSize: number;
  readonly segments: SparseSegment[];
  /** Bytes of the stored area taken by an inline (PAX 1.0) map. */
  readonly mapBytes: number;
}

async function oldGnuSparse(r: ByteReader, raw: RawHeader, name: string, onEnd: () => Error): Promise<SparseInfo> {
  const realSize = oldGnuRealSize(raw.block);
  let map = oldGnuMap(raw.block, 386, 4, 482);
  if (realSize === null || typeof map === 'string') throw bad(name, 'has a bad sparse header');
  const segments = [...map.segments];
  while (map.extended) {
    const ext = await r.read(BLOCK);
    if (ext.length < BLOCK) throw onEnd();
    map = oldGnuMap(ext, 0, 21, 504);
    if (typeof map === 'string') throw bad(name, 'has a bad sparse header');
    segments.push(...map.segments);
  }
  return { realSize, segments, mapBytes: 0 };
}

async function paxSparseLayout(r: ByteReader, records: Records, stored: number, name: string, onEnd: () => Error): Promise<SparseInfo | null> {
  const info = paxSparse(records);
  if (info === null) return null;
  if (typeof info === 'string') throw bad(name, `has ${info}`);
  if (info.format === 'map') return { realSize: info.realSize, segments: info.segments, mapBytes: 0 };
  let text = '';
  for (;;) {
    if (text.length >= stored || text.length >= MAX_META) throw bad(name, 'has a bad sparse map');
    const block = await r.read(BLOCK);
    if (block.length < BLOCK) throw onEnd();
    text += block.toString('latin1');
    const map = inlineMap(text);
    if (typeof map === 'string') throw bad(name, `has a ${map}`);
    if (map !== undefined) return { realSize: info.realSize, segments: map.segments, mapBytes: map.bytes };
  }
}

function buildHeader(raw: RawHeader, records: Records, name: string, p: Pending, realSize: number): TarHeader {
  let type = TYPES[raw.typeflag];
  if (type === undefined) throw new NotImplementedError(`tar entry type ${JSON.stringify(raw.typeflag)} (entry ${JSON.stringify(name)})`);
  if (type === 'file' && name.endsWith('/')) type = 'dir';
  const trimmed = name.replace(/\/+$/, '');
  const num = (key: string, fallback: number): number => {
    const v = lastRecord(records, key);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isFinite(n)) throw bad(name, `has an invalid pax ${key} ${JSON.stringify(v)}`);
    return n;
  };
  return {
    name: trimmed === '' ? name : trimmed,
    type,
    mode: raw.mode,
    uid: num('uid', raw.uid),
    gid: num('gid', raw.gid),
    mtime: num('mtime', raw.mtime),
    size: type === 'file' ? realSize : 0,
    linkname: lastRecord(records, 'linkpath') ?? p.longLink ?? raw.linkname,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    xattrs: xattrsOf(records),
  };
}

/** `SCHILY.xattr.<name>` (GNU tar, Go) and `LIBARCHIVE.xattr.<urlencoded>` (bsdtar, base64 values). */
function xattrsOf(records: Records): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of records) {
    if (k.startsWith('SCHILY.xattr.')) out.set(k.slice('SCHILY.xattr.'.length), v);
    else if (k.startsWith('LIBARCHIVE.xattr.')) out.set(decodeURIComponent(k.slice('LIBARCHIVE.xattr.'.length)), Buffer.from(v.toString('latin1'), 'base64'));
  }
  return out;
}

function lastRecord(records: Records, key: string): string | undefined {
  return records.findLast(([k]) => k === key)?.[1].toString('utf8');
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

function truncated(where: string): InvalidArgumentError {
  return new InvalidArgumentError(`layer tar is truncated ${where}`);
}

function corrupt(reason: string, offset: number, last: string): InvalidArgumentError {
  const where = last === '' ? 'at the start' : `after entry ${JSON.stringify(last)}`;
  return new InvalidArgumentError(`layer tar is corrupt: ${reason} at offset ${offset} ${where}`);
}

function bad(name: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`layer tar entry ${JSON.stringify(name)} ${problem}`);
}
