// ADD --unpack=true URL: a downloaded archive is extracted; without it (the default) it is kept as a file.
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../util/errors.js';
import { sha256 } from '../../util/digest.js';
import { rejects } from '../../util/test-assert.js';
import { addUrl } from './remote.js';
import { tempDir } from './test-support.js';

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, body] of Object.entries(files)) p.entry({ name, mode: 0o644, mtime: new Date(1_400_000_000_000) }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const test = suite('ADD --unpack of URLs');
let server: Server | undefined;
let base = '';
let rootfs = '';
let cleanup: () => Promise<void> = async () => undefined;
let tgz = Buffer.alloc(0);

test.before(async () => {
  tgz = gzipSync(await tarOf({ foo: 'content0', 'sub/bar': 'content1' }));
  server = createServer((req, res) => {
    if (req.url === '/t.tar.gz') res.writeHead(200).end(tgz);
    else if (req.url === '/plain.txt') res.writeHead(200).end('not an archive\n');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
});
test.after(() => new Promise<void>((resolve) => server?.close(() => resolve())));
test.before.each(async () => {
  const t = await tempDir();
  rootfs = t.dir;
  cleanup = t.cleanup;
});
test.after.each(() => cleanup());

test('--unpack=true extracts a remote tar.gz into the destination', async () => {
  const r = await addUrl({ url: `${base}/t.tar.gz`, rootfs, dest: '/dest/', unpack: true });
  assert.equal(r, { path: '/dest', digest: sha256(tgz), size: tgz.length });
  assert.is(await readFile(join(rootfs, 'dest/foo'), 'utf8'), 'content0');
  assert.is(await readFile(join(rootfs, 'dest/sub/bar'), 'utf8'), 'content1');
  assert.equal((await readdir(join(rootfs, 'dest'))).sort(), ['foo', 'sub'], 'no download left beside the files');
});

test('--unpack=true with --chown owns every extracted entry; directories the tar only implies stay root\'s (go-archive)', async () => {
  await addUrl({ url: `${base}/t.tar.gz`, rootfs, dest: '/owned/', unpack: true, chown: '100:200' });
  const owner = async (p: string): Promise<string> => {
    const st = await lstat(join(rootfs, p));
    return `${st.uid}:${st.gid}`;
  };
  assert.is(await owner('owned/foo'), '100:200');
  assert.is(await owner('owned/sub/bar'), '100:200');
  assert.is(await owner('owned/sub'), '0:0', 'sub/ has no entry of its own in the tar');
});

test('without --unpack a remote archive is kept as a file (BuildKit default)', async () => {
  await addUrl({ url: `${base}/t.tar.gz`, rootfs, dest: '/dest/' });
  assert.ok((await readFile(join(rootfs, 'dest/t.tar.gz'))).equals(tgz));
  assert.not.ok(existsSync(join(rootfs, 'dest/foo')));
});

test('--unpack=true on a file that is not an archive adds the file', async () => {
  await addUrl({ url: `${base}/plain.txt`, rootfs, dest: '/dest/', unpack: true });
  assert.is(await readFile(join(rootfs, 'dest/plain.txt'), 'utf8'), 'not an archive\n');
});

test('--checksum is verified before anything is extracted', async () => {
  const err = await rejects(addUrl({ url: `${base}/t.tar.gz`, rootfs, dest: '/dest/', unpack: true, checksum: sha256('other') }), /does not match/);
  assert.instance(err, InvalidArgumentError);
  assert.equal(await readdir(join(rootfs, 'dest')), []);
});

test.run();
