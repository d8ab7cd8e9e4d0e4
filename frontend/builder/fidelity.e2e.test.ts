// Behaviours taken from BuildKit's Dockerfile integration tests (RUN's environment, JSON form,
// ADD --unpack, cache mount source=, the lowercase dockerfile), built by bin/kiln under runc.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../../util/test-kiln.js';

async function tarGz(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, body] of Object.entries(files)) p.entry({ name, mode: 0o644 }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return gzipSync(Buffer.concat(chunks));
}

if (e2eReady('BuildKit fidelity e2e', ['runc', 'busybox'])) {
  const test = suite('BuildKit fidelity e2e');
  const fx = kilnFixture('fidelity', { env: { KILN_GC: '0' } });
  let n = 0;
  /** Builds `files` (with a Dockerfile) to a local output dir; returns the run and the dir. */
  const build = async (files: Record<string, string>, ...args: string[]): Promise<{ r: KilnRun; out: string }> => {
    const dir = await fx.context(`ctx${n}`, files);
    const out = join(fx.tmp, `out${n++}`);
    const r = await fx.kilnAsync(['build', '--progress', 'plain', '--output', `type=local,dest=${out}`, ...args, dir]);
    return { r, out };
  };
  const ok = (r: KilnRun): void => assert.is(r.code, 0, r.stderr);
  const read = (out: string, f: string): Promise<string> => readFile(join(out, f), 'utf8');

  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('RUN: hostname buildkitsandbox, no HOSTNAME variable; BUILDKIT_SANDBOX_HOSTNAME renames it; TARGETSTAGE', async () => {
    const Dockerfile = [
      'FROM bb AS base',
      'RUN mkdir /out && env > /out/env && hostname > /out/hostname && cat /etc/hosts > /out/hosts',
      'ARG TARGETSTAGE',
      'RUN echo "stage:$TARGETSTAGE" > /out/stage',
      'FROM scratch AS export',
      'COPY --from=base /out/ /',
      '',
    ].join('\n');
    const first = await build({ Dockerfile });
    ok(first.r);
    assert.is(await read(first.out, 'hostname'), 'buildkitsandbox\n');
    assert.not.match(await read(first.out, 'env'), /^HOSTNAME=/m);
    assert.match(await read(first.out, 'hosts'), /^127\.0\.0\.1\s.*\bbuildkitsandbox\b/m);
    assert.is(await read(first.out, 'stage'), 'stage:export\n');
    const named = await build({ Dockerfile }, '--build-arg', 'BUILDKIT_SANDBOX_HOSTNAME=foo', '--target', 'export');
    ok(named.r);
    assert.is(await read(named.out, 'hostname'), 'foo\n', 'the build arg changes the step (no cache hit on the first build)');
    assert.match(await read(named.out, 'hosts'), /^127\.0\.0\.1\s.*\bfoo\b/m);
    assert.not.match(named.r.stderr, /not consumed/, 'BUILDKIT_SANDBOX_HOSTNAME is a built-in build arg');
  });

  test('USER: the primary group is in the group list, with /etc/group memberships (testUserAdditionalGids)', async () => {
    const Dockerfile = [
      'FROM bb AS base',
      // As in busybox's image, root is also in wheel (the groups are read when a step starts).
      'RUN echo "wheel:x:10:root" >> /etc/group && mkdir -m 777 /out',
      'RUN id > /out/root',
      'USER app',
      'RUN id > /out/app',
      'USER 1234',
      'RUN id > /out/uid',
      'USER 1234:1234',
      'RUN id > /out/uidgid',
      'USER app:extra',
      'RUN id > /out/appextra',
      'FROM scratch',
      'COPY --from=base /out/ /',
      '',
    ].join('\n');
    const { r, out } = await build({ Dockerfile });
    ok(r);
    assert.is(await read(out, 'root'), 'uid=0(root) gid=0(root) groups=0(root),10(wheel)\n');
    assert.is(await read(out, 'app'), 'uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)\n');
    assert.is(await read(out, 'uid'), 'uid=1234 gid=0(root) groups=0(root)\n');
    assert.is(await read(out, 'uidgid'), 'uid=1234 gid=1234 groups=1234\n');
    assert.is(await read(out, 'appextra'), 'uid=1000(app) gid=2000(extra) groups=2000(extra)\n');
  });

  test('JSON form with trailing text is shell form: RUN fails naming it, ENTRYPOINT keeps the whole text', async () => {
    const run = await build({ Dockerfile: 'FROM bb\nRUN ["echo", "hello"]this is invalid\n' });
    assert.is(run.r.code, 1);
    assert.match(run.r.stderr, 'process "/bin/sh -c [\\"echo\\", \\"hello\\"]this is invalid" did not complete successfully: exit code: 127', run.r.stderr);
    const dir = await fx.context('entrypoint', { Dockerfile: 'FROM bb\nENTRYPOINT []random string\n' });
    ok(await fx.kilnAsync(['build', '-q', '-t', 'ep', dir]));
    const inspect = JSON.parse(fx.ok(['inspect', 'ep']).stdout) as [{ Config: { Entrypoint?: string[] } }];
    assert.equal(inspect[0].Config.Entrypoint, ['/bin/sh', '-c', '[]random string']);
  });

  test('ADD --unpack=true URL extracts; ADD --unpack=false keeps a local archive packed', async () => {
    const tgz = await tarGz({ foo: 'content0' });
    const server: Server = createServer((req, res) => (req.url === '/t.tar.gz' ? res.writeHead(200).end(tgz) : res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/t.tar.gz`;
      const dir = await fx.context(`ctx${n}`, { Dockerfile: `FROM scratch\nADD --unpack=true ${url} /dest/\nADD ${url} /plain/\nADD --unpack=false local.tar.gz /kept/\nADD local.tar.gz /unpacked/\n` });
      await writeFile(join(dir, 'local.tar.gz'), tgz);
      const out = join(fx.tmp, `out${n++}`);
      ok(await fx.kilnAsync(['build', '--output', `type=local,dest=${out}`, dir]));
      assert.is(await read(out, 'dest/foo'), 'content0');
      assert.not.ok(existsSync(join(out, 'dest', 't.tar.gz')), 'the download is not left beside what it held');
      assert.ok((await readFile(join(out, 'plain', 't.tar.gz'))).equals(tgz), 'a URL is not extracted by default');
      assert.ok((await readFile(join(out, 'kept', 'local.tar.gz'))).equals(tgz));
      assert.is(await read(out, 'unpacked/foo'), 'content0');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('RUN --mount=type=cache,source=SUB mounts SUB of the cache', async () => {
    const Dockerfile = [
      'FROM bb AS base',
      'RUN --mount=type=cache,id=sub1,target=/cache mkdir -p /cache/sel && echo seeded > /cache/sel/f',
      'RUN --mount=type=cache,id=sub1,source=sel,target=/m mkdir /out && cat /m/f > /out/seen && ls /m > /out/ls && echo written > /m/g',
      'RUN --mount=type=cache,id=sub1,target=/cache cat /cache/sel/g > /out/back',
      'FROM scratch',
      'COPY --from=base /out/ /',
      '',
    ].join('\n');
    const { r, out } = await build({ Dockerfile });
    ok(r);
    assert.is(await read(out, 'seen'), 'seeded\n');
    assert.is(await read(out, 'ls'), 'f\n', 'only SUB is mounted');
    assert.is(await read(out, 'back'), 'written\n', 'writes through SUB land in the cache');
  });

  test('hostile: a cache source= through a link out of the cache is refused at mount setup (testCacheMountSourceEscape)', async () => {
    for (const [id, link] of [['esc-abs', '/etc'], ['esc-rel', '../../../../../../../etc']] as const) {
      const Dockerfile = [
        'FROM bb',
        `RUN --mount=type=cache,id=${id},target=/cache mkdir -p /cache && ln -s ${link} /cache/sel`,
        `RUN --mount=type=cache,id=${id},source=sel,target=/victim cat /victim/hostname /victim/passwd`,
        '',
      ].join('\n');
      const { r } = await build({ Dockerfile });
      assert.is(r.code, 1, `${link}: ${r.stderr}`);
      assert.match(r.stderr, `mount source "/sel" of cache "${id}": leaves the cache (/sel -> ${link})`);
      assert.not.match(r.stdout + r.stderr, /buildkitsandbox|root:x:0:0/, 'nothing was read through the link');
      assert.not.match(r.stderr, /^\s+at /m, 'no stack trace');
    }
  });

  test('a context with only a lowercase dockerfile builds with it', async () => {
    const dir = await fx.context('lower', { dockerfile: 'FROM scratch\nCOPY hello.txt /\n', 'hello.txt': 'hi\n' });
    const out = join(fx.tmp, 'lower-out');
    const r = await fx.kilnAsync(['build', '--output', `type=local,dest=${out}`, dir]);
    ok(r);
    assert.is(await read(out, 'hello.txt'), 'hi\n');
  });

  test.run();
}
