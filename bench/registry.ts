/**
 * Push/pull benchmark: a 200 MiB random-data image (like the issue's
 * `biglayer`) pushed to a local docker-registry by kiln, then `skopeo copy` of
 * the same image (from kiln's OCI layout, gzip on the way) for the ratio, then
 * a pull into an empty root. Prints only.
 * Run: `npm run bench:registry -- [MiB]`
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { LocalContentStore } from '../cache/index.js';
import { ImageStore, importRootfs, layoutDir } from '../store/index.js';
import { pull, push } from '../registry/index.js';
import { startRegistry } from '../registry/test-servers.js';

const MiB = 1024 * 1024;

/** A tar with one file of `size` random bytes, generated as it is read. */
function randomTar(size: number): Readable {
  const p = pack();
  const file = p.entry({ name: 'big.bin', size, mode: 0o644, mtime: new Date(0) }, (err) => (err ? p.destroy(err) : p.finalize()));
  (async () => {
    for (let left = size; left > 0; left -= MiB) {
      if (!file.write(randomBytes(Math.min(MiB, left)))) await new Promise<void>((r) => file.once('drain', () => r()));
    }
    file.end(Buffer.alloc(0));
  })().catch((err: unknown) => p.destroy(err as Error));
  return Readable.from(p);
}

async function openRoot(root: string): Promise<ImageStore> {
  return ImageStore.open(layoutDir(root), new LocalContentStore(layoutDir(root)));
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, (performance.now() - t) / 1000];
}

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? '200') * MiB;
  const tmp = await mkdtemp(join(tmpdir(), 'kiln-bench-registry-'));
  const registry = await startRegistry(join(tmp, 'registry'));
  try {
    const a = await openRoot(join(tmp, 'a'));
    await importRootfs(a, randomTar(size), { name: 'biglayer:1', sourceLabel: 'random' });
    const [, kiln] = await time(() => push(a, 'biglayer:1', `${registry.host}/bench/kiln:1`));
    const [, again] = await time(() => push(a, 'biglayer:1', `${registry.host}/bench/kiln:1`));
    const src = `oci:${layoutDir(join(tmp, 'a'))}:docker.io/library/biglayer:1`;
    const [, skopeo] = await time(async () => execFileSync('skopeo', ['copy', '--quiet', '--dest-compress', '--dest-tls-verify=false', src, `docker://${registry.host}/bench/skopeo:1`]));
    const b = await openRoot(join(tmp, 'b'));
    const [, pulled] = await time(() => pull(b, `${registry.host}/bench/kiln:1`));
    const mb = size / 1e6;
    console.log(`image: ${size / MiB} MiB of random data, one layer`);
    console.log(`kiln push (first, compresses):  ${kiln.toFixed(2)} s`);
    console.log(`kiln push (again, all present): ${again.toFixed(2)} s`);
    console.log(`skopeo copy --dest-compress:    ${skopeo.toFixed(2)} s  (kiln/skopeo = ${(kiln / skopeo).toFixed(2)})`);
    console.log(`kiln pull (empty root):         ${pulled.toFixed(2)} s  = ${(mb / pulled).toFixed(0)} MB/s`);
  } finally {
    await registry.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
