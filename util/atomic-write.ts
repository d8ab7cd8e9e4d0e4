/**
 * Atomic file replacement: write a temp file in the same directory, fsync it,
 * rename it over the target, fsync the directory. Readers see the old or the
 * new content, never a mix, even if the process is killed.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * fsync the file and its directory, so the write survives a power loss.
   * Caches that treat a damaged or missing file as a miss turn this off: the
   * rename still makes the write atomic for readers and against a killed process.
   * @default true
   */
  readonly durable?: boolean;
}

/** Writes `data` to `path` atomically (mode 0644 unless given). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644, options: AtomicWriteOptions = {}): Promise<void> {
  const durable = options.durable !== false;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  if (durable) await fsyncDir(dir);
}

/** fsyncs a directory so a rename or create in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
