// kiln build as a user runs it: bin/kiln on real runc and overlayfs, base image built offline.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { startRegistry, type TestRegistry } from '../registry/test-servers.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('kiln build e2e', ['runc', 'busybox', 'docker-registry', 'skopeo'])) {
  const test = suite('kiln build e2e');
  const fx = kilnFixture('build');
  const { tmp, root, context } = fx;
  const kiln = (args: string[], env: NodeJS.ProcessEnv = {}): KilnRun => fx.kiln(args, { env });
  const build = (dir: string, ...extra: string[]): ReturnType<typeof kiln> => kiln(['build', '--progress', 'plain', ...extra, dir]);
  const ran = (out: string): string[] => [...out.matchAll(/^#\d+ (\[[^\]]+\] RUN .*)$/gm)].map((m) => m[1] ?? '').filter((n, i, a) => a.indexOf(n) === i);
  const cached = (out: string): number => (out.match(/^#\d+ CACHED$/gm) ?? []).length;

  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('a multi-stage build runs, and kiln run prints its output', async () => {
    const dir = await context('app', {
      Dockerfile: 'FROM bb AS build\nWORKDIR /src\nCOPY msg.txt .\nRUN tr a-z A-Z < msg.txt > out.txt\n\nFROM bb\nARG WHO=world\nENV GREETING="hello $WHO"\nWORKDIR /app\nCOPY --from=build /src/out.txt .\nUSER app\nCMD ["sh", "-c", "echo $GREETING; cat out.txt; id -un"]\n',
      'msg.txt': 'shout\n',
    });
    const r = build(dir, '-t', 'app:1', '--build-arg', 'WHO=kiln');
    assert.is(r.code, 0, r.stderr);
    const run = kiln(['run', '--rm', 'app:1']);
    assert.is(run.stdout, 'hello kiln\nSHOUT\napp\n', run.stderr);
  });

  test('a rebuild reports every step CACHED and runs nothing', async () => {
    const dir = await context('cached', { Dockerfile: 'FROM bb\nCOPY a.txt /a\nRUN cat /a > /b\nRUN echo done > /c\n', 'a.txt': 'a\n' });
    assert.is(build(dir, '-t', 'cached').code, 0);
    const again = build(dir, '-t', 'cached');
    assert.is(again.code, 0, again.stderr);
    assert.equal(ran(again.stderr).length, 2, 'step names are shown');
    assert.is(cached(again.stderr), 4, again.stderr);
    assert.not.match(again.stderr, /^#\d+ \d+\.\d+ /m, 'no step printed output');
  });

  test('a changed COPY source invalidates exactly the steps after it; other files change nothing', async () => {
    const dir = await context('invalidate', {
      Dockerfile: 'FROM bb\nCOPY a.txt /a\nRUN echo one > /one\nCOPY c.txt /c\nRUN cat /c > /two\n',
      'a.txt': 'a\n',
      'c.txt': 'c1\n',
      'unrelated.txt': 'x\n',
    });
    assert.is(build(dir, '-t', 'inv').code, 0);
    await writeFile(join(dir, 'unrelated.txt'), 'changed\n');
    const same = build(dir, '-t', 'inv');
    assert.is(cached(same.stderr), 5, same.stderr);
    await writeFile(join(dir, 'c.txt'), 'c2\n');
    const changed = build(dir, '-t', 'inv');
    assert.is(changed.code, 0, changed.stderr);
    assert.is(cached(changed.stderr), 3, changed.stderr);
    assert.is(kiln(['run', '--rm', 'inv', 'cat', '/two']).stdout, 'c2\n');
  });

  test('a RUN that deletes a base-image file: absent in kiln run', async () => {
    const dir = await context('delete', { Dockerfile: 'FROM bb\nRUN rm /bin/vi && mkdir -p /d && touch /d/x\nRUN rm -rf /d\n' });
    assert.is(build(dir, '-t', 'deleted').code, 0);
    const r = kiln(['run', '--rm', 'deleted', 'sh', '-c', 'ls /bin/vi /d 2>&1; echo rc=$?']);
    assert.match(r.stdout, /No such file or directory[\s\S]*No such file or directory[\s\S]*rc=1/);
  });

  test('independent stages run concurrently; --max-parallelism 1 runs them one at a time', async () => {
    // Each stage marks its start in a shared cache mount and waits for the other's mark: only steps
    // that overlap in time both see each other ("together"); a step that runs alone gives up ("alone").
    const wait = (me: string, peer: string): string =>
      `RUN --mount=type=cache,target=/sync,id=par-sync touch /sync/$NONCE-${me}; i=0; while [ ! -e /sync/$NONCE-${peer} ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; if [ -e /sync/$NONCE-${peer} ]; then echo together; else echo alone; fi > /${me}`;
    const dir = await context('parallel', {
      Dockerfile: `FROM bb AS a\nARG NONCE\n${wait('a', 'b')}\n\nFROM bb AS b\nARG NONCE\n${wait('b', 'a')}\n\nFROM bb\nCOPY --from=a /a /a\nCOPY --from=b /b /b\n`,
    });
    const r = build(dir, '-t', 'par', '--build-arg', 'NONCE=p1');
    assert.is(r.code, 0, r.stderr);
    assert.is(kiln(['run', '--rm', 'par', 'cat', '/a', '/b']).stdout, 'together\ntogether\n');
    const serial = build(dir, '-t', 'par', '--build-arg', 'NONCE=s1', '--max-parallelism', '1');
    assert.is(serial.code, 0, serial.stderr);
    assert.equal(kiln(['run', '--rm', 'par', 'cat', '/a', '/b']).stdout.split('\n').filter(Boolean).sort(), ['alone', 'together'], 'one stage ran before the other');
  });

  test('a failing RUN: exit 1, the Dockerfile line and code, nothing tagged, nothing left behind', async () => {
    const dir = await context('fail', { Dockerfile: 'FROM bb\nRUN echo before\nRUN echo oops >&2; exit 3\nRUN echo never\n' });
    const r = build(dir, '-t', 'failed');
    assert.is(r.code, 1);
    assert.match(r.stderr, /error: Dockerfile:3:1: failed to solve: process "\/bin\/sh -c echo oops >&2; exit 3" did not complete successfully: exit code: 3/);
    assert.match(r.stderr, /> 3 \| RUN echo oops >&2; exit 3/);
    assert.match(r.stderr, /oops/);
    assert.is(kiln(['inspect', 'failed']).code, 1);
    assert.is(spawnSync('grep', [root, '/proc/mounts'], { encoding: 'utf8' }).stdout, '');
    assert.is(spawnSync('runc', ['--root', join(root, 'exec', 'runc'), 'list', '-q'], { encoding: 'utf8' }).stdout.trim(), '');
  });

  test('COPY never leaves the context; a symlink in the rootfs does not lead a COPY out of it', async () => {
    const dir = await context('escape', { Dockerfile: 'FROM bb\nCOPY ../secret.txt /got\n', 'inside.txt': 'in\n' });
    await writeFile(join(tmp, 'secret.txt'), 'host secret\n');
    const r = build(dir, '-t', 'escape');
    // BuildKit confines ../ to the context root: the file is simply not there.
    assert.is(r.code, 1);
    assert.match(r.stderr, /secret\.txt.*not found/);
    const dir2 = await context('escape2', { Dockerfile: 'FROM bb\nRUN ln -s /tmp/../../../.. /evil\nCOPY inside.txt /evil/kiln-escape-test.txt\n', 'inside.txt': 'in\n' });
    const r2 = build(dir2, '-t', 'escape2');
    assert.is(r2.code, 0, r2.stderr);
    assert.not.ok(await readFile('/kiln-escape-test.txt').then(() => true).catch(() => false), 'the host root was written');
    assert.is(kiln(['run', '--rm', 'escape2', 'cat', '/kiln-escape-test.txt']).stdout, 'in\n');
  });

  test('.dockerignore, --target, --iidfile, --dry-run and outputs', async () => {
    const dir = await context('misc', {
      Dockerfile: 'FROM bb AS one\nCOPY . /ctx\nRUN ls -A /ctx > /listing\n\nFROM bb AS unused\nRUN exit 1\n',
      '.dockerignore': 'secret*\n!secret-ok\n',
      'keep.txt': 'k\n',
      'secret-a': 'no\n',
      'secret-ok': 'yes\n',
    });
    await symlink('keep.txt', join(dir, 'link'));
    const r = build(dir, '-t', 'misc', '--target', 'one', '--iidfile', join(tmp, 'iid'));
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stderr, /RUN exit 1/, 'the unused stage is not built');
    assert.match(await readFile(join(tmp, 'iid'), 'utf8'), /^sha256:[a-f0-9]{64}$/);
    const listing = kiln(['run', '--rm', 'misc', 'cat', '/listing']).stdout.split('\n').filter(Boolean).sort();
    assert.equal(listing, ['.dockerignore', 'Dockerfile', 'keep.txt', 'link', 'secret-ok']);
    const dry = kiln(['build', '--dry-run', '--target', 'one', dir]);
    assert.is(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /RUN ls -A \/ctx > \/listing/);
    const bad = kiln(['build', '--target', 'nope', dir]);
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /nope/);
    const out = build(dir, '--target', 'one', '--output', `type=local,dest=${join(tmp, 'local-out')}`, '--output', `type=oci,dest=${join(tmp, 'out.oci.tar')}`);
    assert.is(out.code, 0, out.stderr);
    assert.is(await readFile(join(tmp, 'local-out', 'ctx', 'keep.txt'), 'utf8'), 'k\n');
    const ls = spawnSync('tar', ['-tf', join(tmp, 'out.oci.tar')], { encoding: 'utf8' }).stdout;
    assert.match(ls, /index\.json/);
  });

  test('SOURCE_DATE_EPOCH: two clean builds on two roots give the same image', async () => {
    const dir = await context('repro', { Dockerfile: 'FROM bb\nCOPY f /f\nRUN echo built > /built\n', f: 'f\n' });
    const ids: string[] = [];
    for (const r of ['repro-a', 'repro-b']) {
      const other = join(tmp, r);
      await fx.baseImage(other);
      const b = fx.kiln(['build', '-q', dir], { root: other, env: { SOURCE_DATE_EPOCH: '1700000000' } });
      assert.is(b.code, 0, b.stderr);
      ids.push(b.stdout.trim());
    }
    assert.is(ids[0], ids[1]);
  });

  test('heredocs, ADD of a local tar, USER for RUN, --label, ONBUILD triggers, unused build-arg warning', async () => {
    const tarDir = join(tmp, 'tarsrc');
    await mkdir(join(tarDir, 'pkg'), { recursive: true });
    await writeFile(join(tarDir, 'pkg', 'inside.txt'), 'from the tar\n');
    const dir = await context('features', {
      Dockerfile: [
        'FROM bb',
        'RUN <<EOF',
        'echo "script ran" > /script.txt',
        'EOF',
        'RUN <<EOF',
        '#!/bin/busybox sh',
        'echo "$0" > /interpreter.txt',
        'EOF',
        'COPY <<EOF /etc/motd',
        'hello $HOME',
        'EOF',
        'ADD pkg.tar.gz /opt/',
        'USER app',
        'RUN id -u > /tmp/uid',
        'ONBUILD RUN echo triggered > /tmp/onbuild',
        '',
      ].join('\n'),
    });
    spawnSync('tar', ['-czf', join(dir, 'pkg.tar.gz'), '-C', tarDir, 'pkg']);
    const r = build(dir, '-t', 'feat', '--label', 'org.example.team=kiln', '--build-arg', 'UNUSED=1');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /UNUSED/);
    const interp = kiln(['run', '--rm', 'feat', 'cat', '/interpreter.txt']);
    assert.match(interp.stdout, /^\/dev\/pipes\//, `a #! heredoc runs as a script file: ${interp.stdout} ${interp.stderr}`);
    const out = kiln(['run', '--rm', 'feat', 'sh', '-c', 'cat /script.txt /etc/motd /opt/pkg/inside.txt /tmp/uid']);
    assert.is(out.stdout, 'script ran\nhello \nfrom the tar\n1000\n', 'an unquoted heredoc is expanded at build time, where HOME is unset');
    const inspect = JSON.parse(kiln(['inspect', 'feat']).stdout) as [{ Config: { Labels?: Record<string, string>; OnBuild?: string[]; User?: string } }];
    assert.is(inspect[0].Config.Labels?.['org.example.team'], 'kiln');
    assert.equal(inspect[0].Config.OnBuild, ['RUN echo triggered > /tmp/onbuild']);
    const child = await context('child', { Dockerfile: 'FROM feat\nUSER root\n' });
    assert.is(build(child, '-t', 'child').code, 0);
    assert.is(kiln(['run', '--rm', 'child', 'cat', '/tmp/onbuild']).stdout, 'triggered\n');
  });

  test('RUN --mount=type=secret: the value is visible to the step, never in the image or its history', async () => {
    const dir = await context('secret', {
      Dockerfile:
        // Only the lengths are kept (the value must appear nowhere in the image).
        'FROM bb\nRUN --mount=type=secret,id=token wc -c < /run/secrets/token > /tmp/seen-file\n' +
        'RUN --mount=type=secret,id=token,env=TOKEN echo ${#TOKEN} > /tmp/seen-env\n',
    });
    await writeFile(join(tmp, 'token.txt'), 's3cr3t-value');
    const r = build(dir, '-t', 'secret', '--secret', `id=token,src=${join(tmp, 'token.txt')}`);
    assert.is(r.code, 0, r.stderr);
    assert.is(kiln(['run', '--rm', 'secret', 'cat', '/tmp/seen-file', '/tmp/seen-env']).stdout.replace(/ +/g, ''), '12\n12\n');
    assert.is(kiln(['run', '--rm', 'secret', 'sh', '-c', 'ls /run/secrets 2>&1 || true']).stdout.includes('token'), false, 'no stub left in the image');
    kiln(['save', 'secret', '-o', join(tmp, 'secret.tar')]);
    const tar = await readFile(join(tmp, 'secret.tar'));
    assert.is(tar.includes('s3cr3t-value'), false, 'the secret is in the saved image');
    assert.not.match(kiln(['history', '--no-trunc', 'secret']).stdout, /s3cr3t/);
    // Secrets are optional by default, as in BuildKit: the step runs without the file.
    const missing = build(dir, '--no-cache');
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /\/run\/secrets\/token: no such file/);
    const req = await context('secret-required', { Dockerfile: 'FROM bb\nRUN --mount=type=secret,id=token,required=true true\n' });
    const r2 = build(req);
    assert.is(r2.code, 1);
    assert.match(r2.stderr, /secret token: not found \(give it with kiln build --secret id=token,src=FILE\)/);
  });

  test('RUN --mount=type=bind: read-only by default; rw writes are discarded', async () => {
    const dir = await context('bindmount', {
      Dockerfile: 'FROM bb\nRUN --mount=type=bind,target=/src cat /src/data.txt > /copied\nRUN --mount=type=bind,target=/src,rw echo changed > /src/data.txt && cat /src/data.txt > /rw-seen\n',
      'data.txt': 'original\n',
    });
    const r = build(dir, '-t', 'bindmount');
    assert.is(r.code, 0, r.stderr);
    assert.is(kiln(['run', '--rm', 'bindmount', 'cat', '/copied', '/rw-seen']).stdout, 'original\nchanged\n');
    assert.is(await readFile(join(dir, 'data.txt'), 'utf8'), 'original\n', 'the context was not written');
    const ro = await context('bindmount-ro', { Dockerfile: 'FROM bb\nRUN --mount=type=bind,target=/src touch /src/x\n' });
    assert.is(build(ro).code, 1);
  });

  test('json progress is one event per line', async () => {
    const dir = await context('json', { Dockerfile: 'FROM bb\nRUN echo hi\n' });
    const r = kiln(['build', '--progress', 'json', '--no-cache', dir]);
    assert.is(r.code, 0, r.stderr);
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.ok(events.some((e) => e.type === 'vertex.log'));
    assert.ok(events.some((e) => e.type === 'build.result'));
  });

  test('Ctrl-C stops the build: containers killed, nothing mounted, nothing tagged', async () => {
    const dir = await context('interrupt', { Dockerfile: 'FROM bb\nRUN sleep 3600\n' });
    const { child, output } = fx.start(['build', '--progress', 'plain', '-t', 'interrupted', dir]);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (/RUN sleep 3600/.test(output())) {
          clearInterval(t);
          setTimeout(resolve, 500);
        }
      }, 50);
    });
    child.kill('SIGINT');
    // The step sleeps far longer than any test runs: kiln exiting at all means it killed the container.
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.not.equal(code, 0);
    assert.is(kiln(['inspect', 'interrupted']).code, 1);
    assert.is(spawnSync('grep', [root, '/proc/mounts'], { encoding: 'utf8' }).stdout, '');
    assert.is(spawnSync('runc', ['--root', join(root, 'exec', 'runc'), 'list', '-q'], { encoding: 'utf8' }).stdout.trim(), '');
  });

  test('build --push, then on a fresh root: FROM pulls automatically, kiln pull and kiln run give the same output', async () => {
    let reg: TestRegistry | undefined;
    try {
      reg = await startRegistry(join(tmp, 'registry'));
      const dir = await context('pushed', { Dockerfile: 'FROM bb\nRUN echo pushed-and-pulled > /msg\nCMD ["cat", "/msg"]\n' });
      const ref = `${reg.host}/kiln/pushed:1`;
      const r = build(dir, '-t', ref, '--push');
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stderr, /pushed /);
      const local = kiln(['run', '--rm', ref]).stdout;
      assert.is(local, 'pushed-and-pulled\n');
      // The base too, so that a fresh root can build FROM it by pulling.
      assert.is(kiln(['tag', 'bb', `${reg.host}/kiln/bb:1`]).code, 0);
      assert.is(kiln(['push', `${reg.host}/kiln/bb:1`]).code, 0);
      const fresh = join(tmp, 'fresh-root');
      const other = (...args: string[]): KilnRun => fx.kiln(args, { root: fresh });
      const pulled = other('pull', ref);
      assert.is(pulled.code, 0, pulled.stderr);
      assert.is(other('run', '--rm', ref).stdout, local);
      // kiln run pulls an image missing from the local store, like docker run.
      const third = fx.kiln(['run', '--rm', ref], { root: join(tmp, 'third-root') });
      assert.is(third.stdout, local, third.stderr);
      // What an independent client pushes, kiln pulls and runs.
      assert.is(kiln(['save', '--format', 'oci', 'bb', '-o', join(tmp, 'bb-oci.tar')]).code, 0);
      const sk = spawnSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci-archive:${join(tmp, 'bb-oci.tar')}`, `docker://${reg.host}/kiln/by-skopeo:1`], { encoding: 'utf8' });
      assert.is(sk.status, 0, sk.stderr);
      assert.is(other('pull', `${reg.host}/kiln/by-skopeo:1`).code, 0);
      assert.is(other('run', '--rm', `${reg.host}/kiln/by-skopeo:1`, 'echo', 'ran-what-skopeo-pushed').stdout, 'ran-what-skopeo-pushed\n');
      const child = await context('pull-from', { Dockerfile: `FROM ${reg.host}/kiln/bb:1\nRUN echo built-on-a-pulled-base > /x\n` });
      const b = other('build', '-q', '-t', 'child', child);
      assert.is(b.code, 0, b.stderr);
      assert.is(other('run', '--rm', 'child', 'cat', '/x').stdout, 'built-on-a-pulled-base\n');
    } finally {
      await reg?.stop();
    }
  });

  test.run();
}
