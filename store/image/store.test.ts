import { Readable } from 'node:stream';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { importRootfs } from './import.js';
import { loadArchive } from './load.js';
import { saveImages } from './save.js';
import { makeTar, tempStore } from './testing.js';
import type { ImageStore } from './store.js';
import { InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { rejects } from '../../util/test-assert.js';

const rootfs = (): Promise<Buffer> =>
  makeTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/sh', body: '#!/fake\n', mode: 0o755 },
    { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
    { name: 'usr/lib/libc.so', body: 'libc' },
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
  ]);

async function archive(images: ImageStore, refs: string[], format: 'docker' | 'oci'): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await saveImages(images, refs, out, format);
  return Buffer.concat(chunks);
}

const test = suite('ImageStore');

test('import makes a one-layer image; names, tags and ids resolve', async () => {
  const s = await tempStore();
  try {
    const image = await importRootfs(s.images, Readable.from([await rootfs()]), { name: 'app:1', sourceLabel: 'rootfs.tar' });
    assert.equal(image.names, ['docker.io/library/app:1']);
    assert.is((await s.images.get('app:1')).id, image.id);
    assert.is((await s.images.get(image.id.slice(7, 19))).id, image.id);
    const config = await s.images.config(image);
    assert.is(config.rootfs.diff_ids.length, 1);
    assert.is(config.history?.[0]?.comment, 'Imported from rootfs.tar');
    await s.images.tag('app:1', 'localhost:5000/other');
    assert.equal((await s.images.get('app:1')).names, ['docker.io/library/app:1', 'localhost:5000/other:latest']);
    const layout = JSON.parse(await readFile(join(s.dir, 'oci', 'oci-layout'), 'utf8')) as { imageLayoutVersion: string };
    assert.is(layout.imageLayoutVersion, '1.0.0');
  } finally {
    await s.cleanup();
  }
});

test('import of gzip gives the same layer as plain', async () => {
  const s = await tempStore();
  try {
    const tar = await rootfs();
    const a = await importRootfs(s.images, Readable.from([tar]), { name: 'a', sourceLabel: 'x' });
    const b = await importRootfs(s.images, Readable.from([gzipSync(tar)]), { name: 'b', sourceLabel: 'x' });
    assert.equal((await s.images.config(a)).rootfs, (await s.images.config(b)).rootfs);
  } finally {
    await s.cleanup();
  }
});

test('rmi by name untags; the last name deletes; an id with several names needs force', async () => {
  const s = await tempStore();
  try {
    const image = await importRootfs(s.images, Readable.from([await rootfs()]), { name: 'a', sourceLabel: 'x' });
    await s.images.tag('a', 'b');
    await rejects(s.images.remove(image.id), /referenced by several names \(a:latest, b:latest\)/);
    assert.equal(await s.images.remove('a'), { untagged: ['a:latest'], deleted: undefined });
    assert.equal(await s.images.remove('b'), { untagged: ['b:latest'], deleted: image.id });
    await rejects(s.images.get('b'), (e: unknown) => e instanceof NotFoundError && /image b: not in the local store/.test((e as Error).message));
    assert.equal(await s.images.list(), []);
  } finally {
    await s.cleanup();
  }
});

test('save then load on another root, both formats, keeps ids and names', async () => {
  const a = await tempStore();
  const b = await tempStore();
  try {
    const image = await importRootfs(a.images, Readable.from([await rootfs()]), { name: 'app:1', sourceLabel: 'x' });
    for (const format of ['docker', 'oci'] as const) {
      const tar = await archive(a.images, ['app:1'], format);
      const r = await loadArchive(b.images, Readable.from([format === 'oci' ? gzipSync(tar) : tar]), 'archive.tar');
      assert.equal(r.loaded, ['app:1']);
      const loaded = await b.images.get('app:1');
      assert.is(loaded.id, image.id);
      assert.is(loaded.manifest.digest, image.manifest.digest);
    }
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

async function unchanged(s: { dir: string; images: ImageStore }, fn: () => Promise<unknown>, message: RegExp): Promise<void> {
  const before = JSON.stringify(await s.images.list());
  await rejects(fn(), (e: unknown) => e instanceof InvalidArgumentError && message.test((e as Error).message));
  assert.is(JSON.stringify(await s.images.list()), before);
}

test('hostile or broken tarballs are refused, naming the entry; the store is unchanged', async () => {
  const s = await tempStore();
  try {
    const imp = (t: Buffer) => () => importRootfs(s.images, Readable.from([t]), { name: 'evil', sourceLabel: 'evil.tar' });
    await unchanged(s, imp(await makeTar([{ name: '../x', body: 'x' }])), /evil\.tar: tar entry "\.\.\/x": path escapes the root/);
    await unchanged(s, imp(await makeTar([{ name: 'a/../../x', body: 'x' }])), /"a\/\.\.\/\.\.\/x": path escapes the root/);
    await unchanged(s, imp(await makeTar([{ name: '/etc/x', body: 'x' }])), /"\/etc\/x": absolute path not allowed/);
    await unchanged(s, imp(await makeTar([{ name: 'evil', type: 'symlink', linkname: '/' }, { name: 'evil/etc/x', body: 'x' }])), /"evil\/etc\/x": writes through the symlink "evil"/);
    await unchanged(s, imp(await makeTar([{ name: 'h', type: 'link', linkname: '/etc/passwd' }])), /hardlink "h" target "\/etc\/passwd": absolute path/);
    await unchanged(s, imp(await makeTar([{ name: 'h', type: 'link', linkname: '../outside' }])), /hardlink "h" target "\.\.\/outside": path escapes/);
    const good = await rootfs();
    await unchanged(s, imp(good.subarray(0, 1000)), /evil\.tar: not a valid tar/);
    await unchanged(s, imp(Buffer.from('this is not a tar file at all '.repeat(40))), /evil\.tar: not a valid tar/);
    const gz = gzipSync(good);
    await unchanged(s, imp(Buffer.concat([gz.subarray(0, 200), Buffer.alloc(50, 7)])), /evil\.tar: corrupt gzip data|evil\.tar: not a valid tar/);
  } finally {
    await s.cleanup();
  }
});

test('load refuses a blob whose digest does not match its name, and a missing layer', async () => {
  const a = await tempStore();
  const b = await tempStore();
  try {
    await importRootfs(a.images, Readable.from([await rootfs()]), { name: 'app', sourceLabel: 'x' });
    const tar = await archive(a.images, ['app'], 'docker');
    // Corrupt one byte inside the layer blob's data (the largest entry).
    const bad = Buffer.from(tar);
    const idx = bad.indexOf('libc');
    bad[idx] = 'L'.charCodeAt(0);
    await unchanged(b, () => loadArchive(b.images, Readable.from([bad]), 'bad.tar'), /bad\.tar: blob blobs\/sha256\/[a-f0-9]{64}: /);
    await unchanged(b, () => loadArchive(b.images, Readable.from([Buffer.alloc(4096)]), 'empty.tar'), /empty\.tar: not an image archive/);
    const blobsDir = join(b.dir, 'oci', 'blobs', 'sha256');
    const kept = await readdir(blobsDir);
    for (const f of kept) assert.ok((await stat(join(blobsDir, f))).size >= 0);
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

test.run();
