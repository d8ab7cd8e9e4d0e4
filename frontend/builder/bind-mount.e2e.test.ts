// Hostile bind-mount sources: symlinks in the context, in a stage or in a base image that
// point at host paths must resolve inside their own root, never on the host (bin/kiln, runc).
// WORKDIR shares the root-confined resolver and one of its hostile cases sits here too.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../../util/test-e2e.js';
import { kilnFixture } from '../../util/test-kiln.js';

if (e2eReady('bind mount sources e2e', ['runc', 'busybox'])) {
  const test = suite('bind mount sources e2e');
  // The image's own /etc/passwd carries a marker, to tell it from the host's.
  const fx = kilnFixture('bind', { env: { KILN_GC: '0' }, passwd: 'root:x:0:0:image-passwd-marker:/root:/bin/sh\n' });
  const { tmp } = fx;
  const secretDir = join(tmp, 'hostsecret');
  const secret = `host-secret-${randomBytes(8).toString('hex')}`;
  const kiln = (args: string[]): { code: number | null; out: string } => {
    const r = fx.kiln(args);
    return { code: r.code, out: `${r.stdout}\n${r.stderr}` };
  };
  let n = 0;
  let lastContext = '';
  const build = async (dockerfile: string, links: Record<string, string> = {}, files: Record<string, string> = {}): Promise<{ code: number | null; out: string }> => {
    const dir = join(tmp, `ctx${n++}`);
    lastContext = dir;
    await mkdir(dir);
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
    for (const [f, body] of Object.entries(files)) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), body);
    }
    for (const [name, target] of Object.entries(links)) await symlink(target, join(dir, name));
    return kiln(['build', '--progress', 'plain', '--no-cache', dir]);
  };
  const refused = (r: { code: number | null; out: string }, what: string): void => {
    assert.not.ok(r.out.includes(secret), `${what}: the host file's content leaked`);
    assert.is(r.code, 1, `${what}: ${r.out}`);
    assert.match(r.out, /mount source .*not found/, what);
    assert.not.match(r.out, /^\s+at /m, 'no stack trace');
  };

  test.before(async () => {
    await mkdir(secretDir);
    await writeFile(join(secretDir, 'secret'), `${secret}\n`);
    await fx.baseImage();
    // A "public image" holding a link to /etc.
    const evil = join(tmp, 'evil');
    await mkdir(evil);
    await writeFile(join(evil, 'Dockerfile'), `FROM bb\nRUN ln -s /etc /etc-link && ln -s ${secretDir}/secret /abs-secret && ln -s ../../../../../../etc /rel-etc\n`);
    assert.is(kiln(['build', '-q', '-t', 'evil', evil]).code, 0);
  });
  test.after(() => fx.cleanup());

  test('a context symlink to a host file is resolved inside the context', async () => {
    refused(await build('FROM bb\nRUN --mount=type=bind,source=s,target=/m cat /m\n', { s: join(secretDir, 'secret') }), 'absolute link');
    refused(await build('FROM bb\nRUN --mount=type=bind,source=d/secret,target=/m cat /m\n', { d: secretDir }), 'link as a directory on the way');
    refused(await build('FROM bb\nRUN --mount=type=bind,source=r,target=/m cat /m\n', { r: `../../../../../../..${secretDir}/secret` }), 'relative escape');
    refused(await build('FROM bb\nRUN --mount=type=bind,source=s,target=/m,rw cat /m\n', { s: join(secretDir, 'secret') }), 'rw bind');
  });

  test('a stage symlink to a host path is resolved inside the stage', async () => {
    const df = `FROM bb AS s\nRUN ln -s ${secretDir} /x\nFROM bb\nRUN --mount=type=bind,from=s,source=/x/secret,target=/m cat /m\n`;
    refused(await build(df), 'from=stage');
  });

  test('an image whose rootfs links to /etc exposes its own /etc, never the host', async () => {
    const r = await build('FROM bb\nRUN --mount=type=bind,from=evil,source=/etc-link,target=/m ls /m && cat /m/passwd\n');
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /image-passwd-marker/, 'the image\'s own /etc/passwd is what is mounted');
    assert.not.match(r.out, /shadow/, 'the host\'s /etc (with shadow) is not');
    refused(await build('FROM bb\nRUN --mount=type=bind,from=evil,source=/abs-secret,target=/m cat /m\n'), 'from=image, absolute link');
  });

  test('a symlink that stays inside its root still works', async () => {
    const r = await build('FROM bb\nRUN --mount=type=bind,source=link,target=/m cat /m/file\n', { link: './real' }, { 'real/file': 'inside-the-context\n' });
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /inside-the-context/);
    const abs = await build('FROM bb\nRUN --mount=type=bind,source=alink,target=/m cat /m/file\n', { alink: '/real' }, { 'real/file': 'absolute-inside\n' });
    assert.is(abs.code, 0, abs.out);
    assert.match(abs.out, /absolute-inside/, 'an absolute link target is read inside the context');
  });

  test('a link through a missing directory (nope/../link) is still resolved inside the root', async () => {
    refused(await build('FROM bb\nRUN --mount=type=bind,source=s,target=/m cat /m\n', { t: join(secretDir, 'secret'), s: 'nope/../t' }), 'context');
    refused(await build('FROM bb\nRUN --mount=type=bind,source=s/secret,target=/m cat /m\n', { t: secretDir, s: 'nope/../t' }), 'context, as a directory');
    const stage = `FROM bb AS s\nRUN ln -s ${secretDir}/secret /t && ln -s nope/../t /s\nFROM bb\nRUN --mount=type=bind,from=s,source=/s,target=/m cat /m\n`;
    refused(await build(stage), 'from=stage');
    // WORKDIR makes its directories through the same resolver: nothing may appear on the host.
    const r = await build(`FROM bb\nRUN ln -s ${secretDir} /t && ln -s nope/../t /w\nWORKDIR /w/made-by-workdir\n`);
    assert.not.ok(r.out.includes(secret), r.out);
    assert.equal(await readdir(secretDir), ['secret'], 'WORKDIR created a directory on the host');
  });

  test('a symlink loop or a missing source is a clear error naming the source and the line', async () => {
    const loop = await build('FROM bb\nRUN true\nRUN --mount=type=bind,source=a/x,target=/m cat /m\n', { a: 'b', b: 'a' });
    assert.is(loop.code, 1, loop.out);
    assert.match(loop.out, /Dockerfile:3:1: .*mount source "\/a\/x" in the build context: too many levels of symbolic links/);
    assert.not.match(loop.out, /^\s+at /m, 'no stack trace');
    const missing = await build('FROM bb AS s\nFROM bb\nRUN --mount=type=bind,from=s,source=/nope,target=/m true\n');
    assert.is(missing.code, 1, missing.out);
    assert.match(missing.out, /Dockerfile:3:1: .*mount source "\/nope": not found in stage 0/);
  });

  test('a writable bind of a source named with : or , mounts that source, not host dirs as extra layers', async () => {
    // overlayfs splits lowerdir= at ':' and its options at ','; these names must stay one path.
    const colon = `foo:${secretDir}`;
    const comma = `bar,lowerdir=${secretDir}`;
    const files = { 'foo/.keep': '', 'bar/.keep': '', [`${colon}/secret`]: 'context-copy-colon\n', [`${comma}/secret`]: 'context-copy-comma\n' };
    for (const [source, marker] of [[colon, 'context-copy-colon'], [comma, 'context-copy-comma']] as const) {
      // Through an ARG: the value is expanded after the mount spec is split at its commas, as in BuildKit.
      const r = await build(`FROM bb\nARG S="${source}"\nRUN --mount=type=bind,source=$S,target=/m,rw cat /m/secret\n`, {}, files);
      assert.not.ok(r.out.includes(secret), `${source}: the host file's content leaked`);
      assert.is(r.code, 0, r.out);
      assert.match(r.out, new RegExp(marker), source);
    }
  });

  test('a writable bind lets the step write a directory or a file and discards the writes', async () => {
    const df = 'FROM bb\nRUN --mount=type=bind,source=d,target=/m,rw --mount=type=bind,source=f,target=/f,rw ' +
      'touch /m/new && echo changed > /m/old && echo appended >> /f && cat /m/old /f\n';
    const r = await build(df, { d: './real' }, { 'real/old': 'original\n', f: 'file-before\n' });
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /changed/);
    assert.match(r.out, /file-before\n.*appended/s);
    assert.equal((await readdir(join(lastContext, 'real'))).sort(), ['old'], 'a write reached the context');
    assert.is(await readFile(join(lastContext, 'real/old'), 'utf8'), 'original\n');
    assert.is(await readFile(join(lastContext, 'f'), 'utf8'), 'file-before\n');
  });

  test('an image\'s relative ../ chain stays in the image', async () => {
    const r = await build('FROM bb\nRUN --mount=type=bind,from=evil,source=/rel-etc/passwd,target=/m cat /m\n');
    assert.is(r.code, 0, r.out);
    assert.match(r.out, /image-passwd-marker/);
  });

  test('a cache mount source subpath that the cache lacks is an error naming it, at its line (as in BuildKit)', async () => {
    const r = await build('FROM bb\nRUN --mount=type=cache,id=nosub,source=sub,target=/c ls /c\n');
    assert.is(r.code, 1, r.out);
    assert.match(r.out, /Dockerfile:2:1: .*mount source "\/sub" of cache "nosub": not found/);
    assert.not.match(r.out, /^\s+at /m, 'no stack trace');
  });

  test('cache mounts seeded from a stage are refused as not implemented, not silently ignored', async () => {
    const r = await build('FROM bb AS s\nRUN mkdir /seed\nFROM bb\nRUN --mount=type=cache,from=s,source=/seed,target=/c ls /c\n');
    assert.is(r.code, 1, r.out);
    assert.match(r.out, /Dockerfile:4:1: .*not implemented/);
  });

  test.run();
}
