/**
 * ADD's local archive handling: a source is extracted instead of copied
 * when, after decompression (gzip, bzip2, xz or zstd, told by magic bytes),
 * it starts with a valid tar header, as BuildKit's `isArchivePath` decides.
 * gzip uses zlib; the others run the host's `bzip2`/`xz`/`zstd -dc`.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError, UnavailableError } from '../../util/errors.js';
import { extractTar, type ExtractOptions } from './extract.js';

/** How an archive is compressed. */
export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const MAGIC: readonly { readonly kind: Compression; readonly bytes: readonly number[] }[] = [
  { kind: 'gzip', bytes: [0x1f, 0x8b, 0x08] },
  { kind: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
  { kind: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
];

const TAR_BLOCK = 512;

/** The compression of the tar archive at host path `path`, or undefined when it is not one. */
export async function archiveCompression(path: string): Promise<Compression | undefined> {
  const head = await readHead(createReadStream(path), 8);
  const kind = MAGIC.find((m) => m.bytes.every((b, i) => head[i] === b))?.kind ?? 'none';
  try {
    const block = await readHead(decompress(path, kind), TAR_BLOCK);
    return isTarHeader(block) ? kind : undefined;
  } catch (err) {
    if (err instanceof UnavailableError) throw err;
    return undefined; // undecodable data is copied as a file, as BuildKit does
  }
}

/**
 * Extracts the archive at `path` into host directory `destDir`, merging
 * with what is there; entries that would land outside `destDir` are
 * refused with an InvalidArgumentError.
 */
export async function extractArchive(path: string, compression: Compression, destDir: string, options: ExtractOptions = {}): Promise<void> {
  await extractTar(decompress(path, compression), destDir, options);
}

/** A stream of the decompressed content of `path`. */
export function decompress(path: string, kind: Compression): Readable {
  switch (kind) {
    case 'none':
      return createReadStream(path);
    case 'gzip': {
      const out = createGunzip();
      pipeline(createReadStream(path), out).catch((err: unknown) => out.destroy(err as Error));
      return out;
    }
    case 'bzip2':
    case 'xz':
    case 'zstd':
      return spawnDecompressor(kind, path);
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Runs `<tool> -dc -- path`; its failure surfaces as an error on the stream. */
function spawnDecompressor(tool: string, path: string): Readable {
  const out = new PassThrough();
  const child = spawn(tool, ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.pipe(out, { end: false });
  child.on('error', (err) => out.destroy(new UnavailableError(`${tool} is needed to decompress ${path}`, { cause: err })));
  child.on('close', (code) => {
    if (code === 0) out.end();
    else if (!out.destroyed) out.destroy(new InvalidArgumentError(`decompressing ${path} with ${tool} failed: ${stderr.trim() || `exit code ${String(code)}`}`));
  });
  out.on('close', () => child.kill());
  return out;
}

/** The first `n` bytes of a stream (fewer at its end); the stream is destroyed afterwards. */
async function readHead(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= n) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

/** A tar header block: not all zeros, and its checksum field matches (like Go's tar reader). */
function isTarHeader(block: Buffer): boolean {
  if (block.length < TAR_BLOCK || block.every((b) => b === 0)) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return parseInt(field, 8) === sum;
}
