/**
 * GNU sparse file maps, in the formats GNU tar writes: old GNU (`S` headers
 * with extension blocks) and PAX 0.0, 0.1 and 1.0. A map lists the data
 * segments; everything else in the file is a hole.
 * See https://www.gnu.org/software/tar/manual/html_node/Sparse-Formats.html .
 */
import { BLOCK } from './tar-header.js';
import { parseNumber } from './tar-decode.js';

/** One stored run of data at `offset` in the extracted file. */
export interface SparseSegment {
  readonly offset: number;
  readonly length: number;
}

/** What a PAX header says about a sparse file. */
export type PaxSparse =
  | { readonly format: 'map'; readonly realSize: number; readonly name: string | undefined; readonly segments: SparseSegment[] }
  | { readonly format: 'inline'; readonly realSize: number; readonly name: string | undefined };

/** Reads `count` old-GNU map slots from `block` at `at`; `extended` says another block follows. */
export function oldGnuMap(block: Buffer, at: number, count: number, extendedAt: number): { segments: SparseSegment[]; extended: boolean } | string {
  const segments: SparseSegment[] = [];
  for (let i = 0; i < count; i++) {
    const base = at + i * 24;
    if (block[base] === 0) break;
    const offset = parseNumber(block.subarray(base, base + 12));
    const length = parseNumber(block.subarray(base + 12, base + 24));
    if (offset === null || length === null) return 'bad sparse map';
    segments.push({ offset, length });
  }
  return { segments, extended: block[extendedAt] !== 0 };
}

/** The old GNU header's real file size (the size field counts stored bytes only). */
export function oldGnuRealSize(block: Buffer): number | null {
  return parseNumber(block.subarray(483, 495));
}

/** Interprets GNU.sparse.* PAX records; null when the entry is not sparse. */
export function paxSparse(records: ReadonlyArray<readonly [string, Buffer]>): PaxSparse | null | string {
  const get = (k: string): string | undefined => records.findLast(([key]) => key === k)?.[1].toString('utf8');
  const name = get('GNU.sparse.name');
  if (get('GNU.sparse.major') === '1') {
    const realSize = Number(get('GNU.sparse.realsize'));
    return Number.isSafeInteger(realSize) ? { format: 'inline', realSize, name } : 'bad GNU.sparse.realsize';
  }
  const sizeText = get('GNU.sparse.size') ?? get('GNU.sparse.realsize');
  if (sizeText === undefined) return null;
  const realSize = Number(sizeText);
  if (!Number.isSafeInteger(realSize)) return 'bad GNU.sparse.size';
  const map = get('GNU.sparse.map');
  const numbers = map !== undefined ? map.split(',') : version00Numbers(records);
  const segments = pairs(numbers);
  return typeof segments === 'string' ? segments : { format: 'map', realSize, name, segments };
}

/** Version 0.0 repeats GNU.sparse.offset / GNU.sparse.numbytes records in order. */
function version00Numbers(records: ReadonlyArray<readonly [string, Buffer]>): string[] {
  return records.filter(([k]) => k === 'GNU.sparse.offset' || k === 'GNU.sparse.numbytes').map(([, v]) => v.toString('utf8'));
}

function pairs(numbers: readonly string[]): SparseSegment[] | string {
  if (numbers.length % 2 !== 0) return 'bad sparse map';
  const out: SparseSegment[] = [];
  for (let i = 0; i < numbers.length; i += 2) {
    const offset = Number(numbers[i]);
    const length = Number(numbers[i + 1]);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) return 'bad sparse map';
    out.push({ offset, length });
  }
  return out;
}

/**
 * Parses a PAX 1.0 map held at the start of the data area ("count\n" then
 * "offset\nlength\n" pairs, padded to a block). Returns undefined while more
 * blocks are needed; `text` holds the blocks read so far.
 */
export function inlineMap(text: string): { segments: SparseSegment[]; bytes: number } | string | undefined {
  const lines = text.split('\n');
  const count = Number(lines[0]);
  if (lines.length < 2) return undefined;
  if (!Number.isSafeInteger(count) || count < 0) return 'bad sparse map';
  if (lines.length < 2 + 2 * count) return undefined;
  const segments = pairs(lines.slice(1, 1 + 2 * count));
  if (typeof segments === 'string') return segments;
  const used = lines.slice(0, 1 + 2 * count).reduce((n, l) => n + l.length + 1, 0);
  return { segments, bytes: Math.ceil(used / BLOCK) * BLOCK };
}

/** Checks that segments are ordered, inside the file, and add up to the stored size. */
export function checkMap(segments: readonly SparseSegment[], realSize: number, storedSize: number): string | null {
  let end = 0;
  let total = 0;
  for (const s of segments) {
    if (s.offset < end || s.offset + s.length > realSize) return 'sparse map out of order or beyond the file size';
    end = s.offset + s.length;
    total += s.length;
  }
  return total === storedSize ? null : `sparse map covers ${total} bytes but ${storedSize} are stored`;
}
