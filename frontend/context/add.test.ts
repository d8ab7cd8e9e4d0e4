// ADD: local archives are extracted (gzip, bzip2, xz, plain), hostile
// archives refused without writing outside the destination, URLs downloaded
// with --checksum verification, git sources reported as not implemented.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError, NotImplementedError } from '../../util/errors.js';
import { sha256 } from '../../util/digest.js';
import { rejects } from '../../util/test-assert.js';
import { archiveCompression } from './archive.js';
import { copySelection } from './copy.js';
import { ContextHasher } from './hash.js';
import { addUrl, fileName, isGitUrl } from './remote.js';
import { selectSources } from './select.js';
import { settle, tempDir, xxh } from './test-support.js';

type Item = Partial<Header> & { name: string; body?: string };

/** A tar of `items`, as a buffer. */
async function tarOf(items: readonly Item[]): Promise<Buffer> {
  const p = pack();
  for (const { body, ...header } of items) p.entry({ mode: 0o644, mtime: new Date(1_400_000_000_000), ...header }, body ?? '');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

let ctx = '';
let rootfs = '';
let cleanups: (() => Promise<void>)[] = [];

const archives = suite('ADD of local archives');
archives.before.each(async () => {
  const a = await tempDir();
  const b = await tempDir();
  ctx = a.dir;
  rootfs = b.dir;
  cleanups = [a.cleanup, b.cleanup];
});
archives.after.each(async () => {
  for (const c of cleanups) await c();
});

async function add(source: string, dest: string, unpack = true, chown?: string) {
  await settle(ctx);
  const hasher = await ContextHasher.open({ root: ctx, xxhash: await xxh(), resetOwner: true });
  const sel = await selectSources(hasher, { sources: [source] });
  return copySelection(hasher.tree, sel, { rootfs, dest, unpack, instruction: 'ADD', chown });
}

const APP: readonly Item[] = [
  { name: 'app/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000 },
  { name: 'app/bin/run', body: '#!/bin/sh\necho hi\n', mode: 0o755, uid: 1000, gid: 1000 },
  { name: 'app/.wh.keep', body: 'not a whiteout here' },
  { name: 'app/link', type: 'symlink', linkname: 'bin/run' },
  { name: 'app/hard', type: 'link', linkname: 'app/bin/run' },
];

archives('a .tar.gz is extracted into the destination with the tar\'s owners, modes and mtimes', async () => {
  await writeFile(join(ctx, 'app.tar.gz'), gzipSync(await tarOf(APP)));
  const result = await add('app.tar.gz', '/opt');
  assert.equal(result, { entries: 0, unpacked: 1 });
  const run = await stat(join(rootfs, 'opt/app/bin/run'));
  assert.is(run.mode & 0o7777, 0o755);
  assert.is(`${run.uid}:${run.gid}`, '1000:1000');
  assert.is(run.mtimeMs, 1_400_000_000_000);
  assert.is((await stat(join(rootfs, 'opt/app'))).mode & 0o7777, 0o750);
  assert.is(await readFile(join(rootfs, 'opt/app/.wh.keep'), 'utf8'), 'not a whiteout here');
  assert.is(await readlink(join(rootfs, 'opt/app/link')), 'bin/run');
  assert.is((await stat(join(rootfs, 'opt/app/hard'))).ino, run.ino);
});

archives('plain, bzip2 and xz archives are detected by content; --unpack=false copies the file', async () => {
  const tar = await tarOf([{ name: 'f.txt', body: 'in a tar' }]);
  await writeFile(join(ctx, 'plain.tar'), tar);
  await writeFile(join(ctx, 'data.tar'), tar);
  execFileSync('bzip2', ['-k', join(ctx, 'data.tar')]);
  execFileSync('xz', ['-k', join(ctx, 'data.tar')]);
  for (const [file, kind] of [['plain.tar', 'none'], ['data.tar.bz2', 'bzip2'], ['data.tar.xz', 'xz']] as const) {
    assert.is(await archiveCompression(join(ctx, file)), kind, file);
    await add(file, `/x/${kind}/`);
    assert.is(await readFile(join(rootfs, `x/${kind}/f.txt`), 'utf8'), 'in a tar');
  }
  await add('plain.tar', '/kept/', false);
  assert.ok((await readFile(join(rootfs, 'kept/plain.tar'))).equals(tar));
});

archives('a file that only looks like an archive is copied as it is', async () => {
  await writeFile(join(ctx, 'fake.tar.gz'), randomBytes(2048));
  await writeFile(join(ctx, 'gz-not-tar.gz'), gzipSync('just text, no tar header here'.repeat(40)));
  assert.is(await archiveCompression(join(ctx, 'fake.tar.gz')), undefined);
  assert.is(await archiveCompression(join(ctx, 'gz-not-tar.gz')), undefined);
  await add('gz-not-tar.gz', '/d/');
  assert.ok(existsSync(join(rootfs, 'd/gz-not-tar.gz')));
});

archives('hostile archives are refused and nothing lands outside the destination', async () => {
  const canary = `kiln-test-canary-${randomBytes(6).toString('hex')}`;
  const cases: readonly (readonly [string, readonly Item[], RegExp])[] = [
    ['dotdot', [{ name: `../../../../../../tmp/${canary}`, body: 'x' }], /outside of the destination/],
    ['hardlink out', [{ name: 'h', type: 'link', linkname: '../../etc/passwd' }], /outside of the destination/],
    ['hardlink missing', [{ name: 'h', type: 'link', linkname: 'nothing' }], /not a file extracted before it/],
  ];
  for (const [name, items, expected] of cases) {
    await writeFile(join(ctx, `${name}.tar`), await tarOf(items));
    const err = await rejects(add(`${name}.tar`, '/dest/'), expected);
    assert.ok(err instanceof InvalidArgumentError, name);
  }
  assert.not.ok(existsSync(join('/tmp', canary)));
});

archives('absolute names and symlinks already extracted stay inside the destination', async () => {
  const canary = `kiln-test-canary-${randomBytes(6).toString('hex')}`;
  const items: Item[] = [
    { name: `/etc/${canary}`, body: 'abs' },
    { name: 'etcl', type: 'symlink', linkname: '/etc' },
    { name: `etcl/${canary}.2`, body: 'through a symlink' },
  ];
  await writeFile(join(ctx, 'abs.tar'), await tarOf(items));
  await add('abs.tar', '/dest/');
  assert.not.ok(existsSync(join('/etc', canary)));
  assert.not.ok(existsSync(join('/etc', `${canary}.2`)));
  assert.is(await readFile(join(rootfs, `dest/etc/${canary}`), 'utf8'), 'abs');
  assert.is(await readFile(join(rootfs, `dest/etc/${canary}.2`), 'utf8'), 'through a symlink');
  assert.equal((await readdir(join(rootfs, 'dest'))).sort(), ['etc', 'etcl']);
});

archives('symlinks are stored verbatim; what is written through them stays inside the destination', async () => {
  const canary = `kiln-test-canary-${randomBytes(6).toString('hex')}`;
  const items: Item[] = [
    { name: 'symlink', type: 'symlink', linkname: '../tmp/symlink-target' },
    { name: 'esc', type: 'symlink', linkname: '../../../../../../..' },
    { name: `esc/tmp/${canary}`, body: 'through a climbing link' },
  ];
  await writeFile(join(ctx, 'links.tar'), await tarOf(items));
  await add('links.tar', '/dest/');
  assert.is(await readlink(join(rootfs, 'dest/symlink')), '../tmp/symlink-target', 'kept as written, like current go-archive');
  assert.is(await readlink(join(rootfs, 'dest/esc')), '../../../../../../..');
  assert.not.ok(existsSync(join('/tmp', canary)), 'nothing written on the host');
  assert.is(await readFile(join(rootfs, `dest/tmp/${canary}`), 'utf8'), 'through a climbing link', 'the link resolves inside the destination');
});

archives('ADD --chown owns every extracted entry and the destination it makes; a "." entry leaves the destination alone', async () => {
  const items: Item[] = [
    { name: './', type: 'directory', mode: 0o700, uid: 7, gid: 7 },
    { name: 'foo', body: 'content0', uid: 1, gid: 2 },
    { name: 'd/', type: 'directory', mode: 0o750, uid: 3, gid: 4 },
    { name: 'd/l', type: 'symlink', linkname: '../foo', uid: 5, gid: 6 },
  ];
  await writeFile(join(ctx, 't.tar'), await tarOf(items));
  await add('t.tar', '/out/', true, '100:200');
  for (const p of ['out', 'out/foo', 'out/d', 'out/d/l']) {
    const st = await lstat(join(rootfs, p));
    assert.is(`${st.uid}:${st.gid}`, '100:200', p);
  }
  assert.is((await lstat(join(rootfs, 'out'))).mode & 0o7777, 0o755, 'the "." entry is skipped');
  assert.is((await lstat(join(rootfs, 'out/d'))).mode & 0o7777, 0o750, 'modes still come from the tar');
  await add('t.tar', '/plain/');
  assert.is(`${(await lstat(join(rootfs, 'plain/foo'))).uid}`, '1', 'without --chown the tar\'s owners');
});

archives('ADD *.tar extracts each archive, into a destination written without a trailing /', async () => {
  await writeFile(join(ctx, 't.tar'), await tarOf([{ name: 'foo', body: 'content0' }]));
  await writeFile(join(ctx, 'b.tar'), await tarOf([{ name: 'bar', body: 'content1' }]));
  const result = await add('*.tar', '/dest');
  assert.equal(result, { entries: 0, unpacked: 2 });
  assert.is(await readFile(join(rootfs, 'dest/foo'), 'utf8'), 'content0');
  assert.is(await readFile(join(rootfs, 'dest/bar'), 'utf8'), 'content1');
  await writeFile(join(ctx, 'a.txt'), 'a');
  await writeFile(join(ctx, 'b.txt'), 'b');
  await rejects(add('*.txt', '/one'), /When using ADD with more than one source file/); // files that are not archives still need a directory
});

let server: Server | undefined;
let base = '';
const BODY = 'downloaded content\n';

const urls = suite('ADD of URLs');
urls.before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/files/tool.bin') {
      res.writeHead(200, { 'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT', 'content-type': 'application/octet-stream' });
      res.end(BODY);
    } else if (req.url === '/dl?id=3') {
      res.writeHead(200, { 'content-disposition': 'attachment; filename="report.csv"' });
      res.end('a,b\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
});
urls.after(async () => {
  await new Promise((resolve) => server?.close(resolve));
});
urls.before.each(async () => {
  const b = await tempDir();
  rootfs = b.dir;
  cleanups = [b.cleanup];
});
urls.after.each(async () => {
  for (const c of cleanups) await c();
});

urls('a URL lands in a directory destination under its name, 0600, with Last-Modified as mtime', async () => {
  const r = await addUrl({ url: `${base}/files/tool.bin`, rootfs, dest: '/opt/' });
  assert.equal(r, { path: '/opt/tool.bin', digest: sha256(BODY), size: BODY.length });
  const st = await lstat(join(rootfs, 'opt/tool.bin'));
  assert.is(st.mode & 0o7777, 0o600);
  assert.is(st.mtimeMs, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'));
  await addUrl({ url: `${base}/dl?id=3`, rootfs, dest: '/opt/' });
  assert.is(await readFile(join(rootfs, 'opt/report.csv'), 'utf8'), 'a,b\n', 'Content-Disposition names the file');
  await addUrl({ url: `${base}/files/tool.bin`, rootfs, dest: '/usr/bin/tool', chmod: '755' });
  assert.is((await lstat(join(rootfs, 'usr/bin/tool'))).mode & 0o7777, 0o755);
});

urls('--checksum: a match is accepted, a mismatch fails and leaves nothing behind', async () => {
  await addUrl({ url: `${base}/files/tool.bin`, rootfs, dest: '/ok/', checksum: sha256(BODY) });
  assert.ok(existsSync(join(rootfs, 'ok/tool.bin')));
  const wrong = sha256('something else');
  const err = await rejects(addUrl({ url: `${base}/files/tool.bin`, rootfs, dest: '/bad/', checksum: wrong }), /does not match: expected sha256:.*, got sha256:/);
  assert.ok(err instanceof InvalidArgumentError);
  assert.equal(await readdir(join(rootfs, 'bad')), []);
  await rejects(addUrl({ url: `${base}/missing`, rootfs, dest: '/m/' }), /failed to load .*404/);
});

urls('git sources are not implemented; names follow BuildKit', async () => {
  for (const u of ['https://github.com/moby/buildkit.git#v0.12.0', 'git@github.com:moby/buildkit.git', 'git://host/repo']) assert.ok(isGitUrl(u), u);
  assert.not.ok(isGitUrl('https://example.com/file.tar.gz'));
  await rejects(addUrl({ url: 'https://github.com/moby/buildkit.git', rootfs, dest: '/' }), (e) => e instanceof NotImplementedError && /ADD of a git repository/.test(e.message));
  assert.is(fileName('http://h/a/b%20c.txt?x=1', null), 'b c.txt');
  assert.is(fileName('http://h/', null), 'index');
});

archives.run();
urls.run();
