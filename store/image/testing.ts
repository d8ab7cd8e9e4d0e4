/** Test helpers for store/image: temp roots and small tarballs built in memory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { LocalContentStore } from '../../cache/index.js';
import { ImageStore } from './store.js';

/** An entry of a test tarball. */
export interface TarSpec {
  readonly name: string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'link';
  readonly body?: string;
  readonly linkname?: string;
  readonly mode?: number;
}

/** Builds a tar in memory from `entries`. */
export async function makeTar(entries: readonly TarSpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const header = { name: e.name, type, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(0), ...(e.linkname === undefined ? {} : { linkname: e.linkname }) };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') p.entry(header, e.body ?? '', (err) => (err ? reject(err) : resolve()));
      else p.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A fresh image store in a temp dir; `cleanup` removes it. */
export async function tempStore(): Promise<{ dir: string; images: ImageStore; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-images-'));
  const content = new LocalContentStore(join(dir, 'oci'));
  const images = await ImageStore.open(join(dir, 'oci'), content);
  return { dir, images, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
