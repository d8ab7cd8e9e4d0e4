/**
 * The tar entry model shared by the layer writer and reader, and the writer's
 * encoding: POSIX ustar headers, with a PAX extended header only when a value
 * does not fit (long or non-ASCII names, big ids or sizes, xattrs).
 * Layer tars are described in
 * https://github.com/opencontainers/image-spec/blob/main/layer.md#change-types ;
 * the format is POSIX.1-2001 pax (https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html).
 */

/** The entry kinds a layer may contain. */
export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

/** One tar entry's metadata, independent of how it is encoded. */
export interface TarHeader {
  /** Path inside the layer, `/`-separated, without a leading `./` or trailing `/`. */
  readonly name: string;
  readonly type: TarEntryType;
  /** Permission bits plus setuid, setgid and sticky (`mode & 0o7777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Seconds since the epoch; the writer keeps whole seconds only. */
  readonly mtime: number;
  /** Content size; 0 for everything but regular files. */
  readonly size: number;
  /** Symlink target, or for a hardlink the layer path it links to; '' otherwise. */
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** Extended attributes, carried as PAX `SCHILY.xattr.<name>` records. */
  readonly xattrs: ReadonlyMap<string, Buffer>;
}

export const BLOCK = 512;
/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

const ZEROS: Buffer = Buffer.alloc(BLOCK);
const TYPEFLAG: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};
const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

/** The zero bytes that pad `size` bytes of content to a whole block. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? ZEROS.subarray(0, 0) : ZEROS.subarray(0, BLOCK - rest);
}

/**
 * Encodes a header as ustar, preceded by a PAX extended header when needed.
 * The output is a function of the header alone, so equal trees give equal bytes.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const name = h.type === 'dir' ? `${h.name}/` : h.name;
  const pax = paxRecords(h, name);
  const main = ustarBlock(h, name);
  if (pax.length === 0) return main;
  const data = Buffer.concat(pax);
  const paxHeader = ustarBlock(
    { ...h, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: data.length, linkname: '', devmajor: 0, devminor: 0 },
    paxHeaderName(name),
    'x',
  );
  return Buffer.concat([paxHeader, data, padding(data.length), main]);
}

/** The PAX records (sorted by key) for the values a ustar block cannot hold. */
function paxRecords(h: TarHeader, name: string): Buffer[] {
  const recs = new Map<string, Buffer>();
  if (!fitsUstarString(name)) recs.set('path', Buffer.from(name));
  if (!fitsUstarString(h.linkname)) recs.set('linkpath', Buffer.from(h.linkname));
  if (h.uid > MAX_OCTAL_7) recs.set('uid', Buffer.from(String(h.uid)));
  if (h.gid > MAX_OCTAL_7) recs.set('gid', Buffer.from(String(h.gid)));
  if (h.size > MAX_OCTAL_11) recs.set('size', Buffer.from(String(h.size)));
  const mtime = Math.floor(h.mtime);
  if (mtime < 0 || mtime > MAX_OCTAL_11) recs.set('mtime', Buffer.from(String(mtime)));
  for (const [k, v] of h.xattrs) recs.set(`SCHILY.xattr.${k}`, v);
  const keys = [...recs.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return keys.map((k) => paxRecord(k, recs.get(k) as Buffer));
}

/** One `"<len> <key>=<value>\n"` record, where len counts the whole record. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(key) + value.length + 3; // ' ', '=', '\n'
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

/** Go's archive/tar naming for PAX headers: `<dir>/PaxHeaders.0/<base>`, ASCII, ≤ 100 bytes. */
function paxHeaderName(name: string): string {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  const slash = trimmed.lastIndexOf('/');
  const full = slash < 0 ? `PaxHeaders.0/${trimmed}` : `${trimmed.slice(0, slash)}/PaxHeaders.0/${trimmed.slice(slash + 1)}`;
  return asciiPrefix(full);
}

function fitsUstarString(s: string): boolean {
  return s.length <= 100 && /^[\x01-\x7f]*$/.test(s);
}

function asciiPrefix(s: string): string {
  return s.replace(/[^\x01-\x7f]/g, '_').slice(0, 100);
}

function ustarBlock(h: TarHeader, name: string, typeflag: string = TYPEFLAG[h.type]): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(asciiPrefix(name), 0, 100, 'latin1');
  writeOctal(b, 100, 8, h.mode & 0o7777);
  writeOctal(b, 108, 8, Math.min(h.uid, MAX_OCTAL_7));
  writeOctal(b, 116, 8, Math.min(h.gid, MAX_OCTAL_7));
  writeOctal(b, 124, 12, h.size > MAX_OCTAL_11 ? 0 : h.size);
  const mtime = Math.floor(h.mtime);
  writeOctal(b, 136, 12, mtime < 0 || mtime > MAX_OCTAL_11 ? 0 : mtime);
  b.write(typeflag, 156, 1, 'latin1');
  b.write(asciiPrefix(h.linkname), 157, 100, 'latin1');
  b.write('ustar\x0000', 257, 8, 'latin1');
  writeOctal(b, 329, 8, h.devmajor);
  writeOctal(b, 337, 8, h.devminor);
  b.fill(0x20, 148, 156);
  writeOctal(b, 148, 7, checksum(b));
  return b;
}

/** Zero-padded octal with a trailing NUL, filling `width` bytes. */
function writeOctal(b: Buffer, offset: number, width: number, value: number): void {
  b.write(value.toString(8).padStart(width - 1, '0'), offset, width - 1, 'latin1');
  b[offset + width - 1] = 0;
}

/** The unsigned header checksum, with the checksum field counted as spaces. */
export function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum;
}
