/** Damaging stored data on purpose, for integrity tests: what a failing disk would do. */
import { chmod, open, stat } from 'node:fs/promises';

/** Flips the low bit of the byte at `offset` of a (possibly read-only) file, keeping its mode. */
export async function flipByte(path: string, offset: number): Promise<void> {
  const mode = (await stat(path)).mode & 0o7777;
  await chmod(path, mode | 0o200);
  const fh = await open(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    const { bytesRead } = await fh.read(b, 0, 1, offset);
    if (bytesRead !== 1) throw new Error(`flipByte: ${path} has no byte at ${offset}`);
    b[0] = (b[0] ?? 0) ^ 1;
    await fh.write(b, 0, 1, offset);
  } finally {
    await fh.close();
    await chmod(path, mode);
  }
}
