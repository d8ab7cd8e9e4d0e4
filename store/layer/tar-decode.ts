/**
 * Decoding of single tar blocks and PAX records: ustar (POSIX), GNU and v7
 * headers, octal and base-256 numbers, checksums.
 * See https://www.gnu.org/software/tar/manual/html_node/Standard.html and the
 * pax format in https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html .
 */
import { BLOCK, checksum } from './tar-header.js';

/** A header block's fields, before PAX records and GNU long names apply. */
export interface RawHeader {
  readonly name: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtime: number;
  /** The typeflag character ('\0' is reported as '0'). */
  readonly typeflag: string;
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
  /** GNU format: the prefix area holds GNU fields (old sparse maps), not a name prefix. */
  readonly gnu: boolean;
  readonly block: Buffer;
}

/** True for the all-zero block that marks the end of an archive. */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decodes a header block; returns a reason string when it is not a valid header. */
export function decodeBlock(block: Buffer): RawHeader | string {
  const stored = parseNumber(block.subarray(148, 156));
  if (stored === null || (stored !== checksum(block) && stored !== signedChecksum(block))) {
    return 'bad header checksum';
  }
  const magic = block.toString('latin1', 257, 265);
  const gnu = magic === 'ustar  \0';
  const posix = magic.startsWith('ustar\0');
  let name = cString(block, 0, 100);
  const prefix = posix ? cString(block, 345, 155) : '';
  if (prefix !== '') name = `${prefix}/${name}`;
  const nums = [100, 108, 116, 124, 136, 329, 337].map((o, i) => parseNumber(block.subarray(o, o + (i === 3 || i === 4 ? 12 : 8))));
  if (nums.some((n) => n === null)) return 'bad numeric field in header';
  const [mode, uid, gid, size, mtime, devmajor, devminor] = nums as number[];
  const flag = block.toString('latin1', 156, 157);
  return {
    name,
    mode: (mode as number) & 0o7777,
    uid: uid as number,
    gid: gid as number,
    size: size as number,
    mtime: mtime as number,
    typeflag: flag === '\0' ? '0' : flag,
    linkname: cString(block, 157, 100),
    devmajor: devmajor as number,
    devminor: devminor as number,
    gnu,
    block,
  };
}

/**
 * A numeric field: octal digits (space or NUL padded) or, when the high bit
 * of the first byte is set, GNU base-256. Null when the field is malformed.
 */
export function parseNumber(field: Buffer): number | null {
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) return null; // negative
    let n = first & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] as number);
    return Number.isSafeInteger(n) ? n : null;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  const n = parseInt(text, 8);
  return Number.isSafeInteger(n) ? n : null;
}

/** Some old tars summed the header as signed bytes. */
function signedChecksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block.readInt8(i);
  return sum;
}

/** A NUL-terminated string field, decoded as UTF-8. */
export function cString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? field.length : end);
}

/** PAX records `"<len> <key>=<value>\n"` in order (GNU sparse 0.0 repeats keys); values stay bytes. */
export function parsePax(data: Buffer): Array<readonly [string, Buffer]> | string {
  const out: Array<readonly [string, Buffer]> = [];
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // NUL padding after the last record
    const space = data.indexOf(0x20, pos);
    const len = space < 0 ? NaN : Number(data.toString('latin1', pos, space));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      return 'malformed pax record';
    }
    const eq = data.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= pos + len) return 'malformed pax record';
    out.push([data.toString('utf8', space + 1, eq), data.subarray(eq + 1, pos + len - 1)]);
    pos += len;
  }
  return out;
}
