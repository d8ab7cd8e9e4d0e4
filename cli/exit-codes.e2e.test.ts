// kiln's exit codes as a CI script sees them: 2 for usage errors, 1 for a failed
// build, 125/126/127/the container's own for kiln run, 130/143 after a signal
// with the build torn down, and an up-front refusal for a non-root user.
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('exit codes e2e', ['runc', 'setpriv'])) {
  const test = suite('exit codes e2e');
  const fx = kilnFixture('exit');
  const { root } = fx;
  let ctx = '';

  test.before(async () => {
    await fx.baseImage();
    ctx = await fx.context('ctx', { Dockerfile: 'FROM bb\nRUN echo built\n', 'sleep.Dockerfile': 'FROM bb\nRUN echo started; sleep 60\n', 'fail.Dockerfile': 'FROM bb\nRUN exit 3\n', 'scratch.Dockerfile': 'FROM scratch\nRUN echo planned\n' });
  });
  test.after(() => fx.cleanup());

  const expectExit = (r: KilnRun, code: number, stderr: RegExp): void => {
    assert.is(r.code, code, `exit ${r.code}, stderr:\n${r.stderr}`);
    assert.match(r.stderr, stderr);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  };

  test('usage errors of kiln build exit 2, naming the flag', () => {
    expectExit(fx.kiln(['build', '--progress', 'loud', ctx]), 2, /--progress.*loud/);
    expectExit(fx.kiln(['build', '-t', 'Bad:Tag!', ctx]), 2, /^error: invalid tag "Bad:Tag!" for -t/);
    expectExit(fx.kiln(['build', '--build-arg', '=x', ctx]), 2, /^error: invalid --build-arg "=x"/);
    expectExit(fx.kiln(['build', '--secret', `id=s,src=${join(fx.tmp, 'no-such-secret')}`, ctx]), 2, /^error: --secret id=s: cannot read .*no-such-secret \(ENOENT\)/);
    expectExit(fx.kiln(['build', '--tagg', 'x', ctx]), 2, /^error: unknown option '--tagg'\n\(Did you mean --tag\?\)\n$/);
    expectExit(fx.kiln(['biuld', ctx]), 2, /^error: unknown command 'biuld'\n\(Did you mean build\?\)\n$/);
  });

  test('a failed build exits 1 and a good one 0', () => {
    expectExit(fx.kiln(['build', '-f', join(ctx, 'fail.Dockerfile'), ctx]), 1, /exit code: 3|exited with 3|code 3/);
    fx.ok(['build', '-q', ctx]);
  });

  test('kiln run: 125 for its own failures, 126/127 as docker, else the container\'s code', () => {
    expectExit(fx.kiln(['run', '--bogus', 'bb']), 125, /unknown option '--bogus'/);
    expectExit(fx.kiln(['run', '--rm', '127.0.0.1:1/no/such:image']), 125, /127\.0\.0\.1:1\/no\/such:image/);
    expectExit(fx.kiln(['run', '--rm', 'bb', 'no-such-command']), 127, /no-such-command/);
    expectExit(fx.kiln(['run', '--rm', 'bb', '/etc/passwd']), 126, /\/etc\/passwd/);
    assert.is(fx.kiln(['run', '--rm', 'bb', 'sh', '-c', 'exit 42']).code, 42);
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    test(`${signal} during a build exits ${code} and leaves no container or mount`, async () => {
      const p = fx.start(['build', '--progress', 'plain', '-f', join(ctx, 'sleep.Dockerfile'), ctx]);
      await until(() => /started/.test(p.output()), p);
      p.child.kill(signal);
      const r = await p.done;
      assert.is(r.code, code, `exit ${r.code} (signal ${r.signal}):\n${r.stderr}`);
      assertTornDown(fx, root);
    });
  }

  test('a non-root user runs rootless; a root it cannot write is refused up front, naming it', async () => {
    await chmod(fx.tmp, 0o755);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', join(process.cwd(), 'bin', 'kiln'), '--root', join(fx.tmp, 'nobody-root'), 'build', ctx], { encoding: 'utf8' });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /^error: cannot create kiln root \S+nobody-root: EACCES/);
    assert.is(r.stderr.trim().split('\n').length, 1);
    await mkdir(join(fx.tmp, 'nobody-own'));
    await chown(join(fx.tmp, 'nobody-own'), 65534, 65534);
    const plan = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', join(process.cwd(), 'bin', 'kiln'), '--root', join(fx.tmp, 'nobody-own', 'root'), 'build', '--dry-run', '-f', join(ctx, 'scratch.Dockerfile'), ctx], { encoding: 'utf8' });
    assert.is(plan.status, 0, `--dry-run only plans, so it works as nobody: ${plan.stderr}`);
    assert.match(plan.stdout, /RUN echo planned/);
  });

  test.run();
}

async function until(ready: () => boolean, p: { output(): string; done: Promise<KilnRun> }): Promise<void> {
  let ended = false;
  void p.done.then(() => (ended = true));
  while (!ready()) {
    if (ended) throw new Error(`kiln ended before it was ready:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function assertTornDown(fx: KilnFixture, root: string): void {
  assert.is(spawnSync('grep', [root, '/proc/mounts'], { encoding: 'utf8' }).stdout, '', 'no mount left under the root');
  const list = spawnSync('runc', ['--root', join(root, 'exec', 'runc'), 'list', '-q'], { encoding: 'utf8' });
  assert.is(list.stdout.trim(), '', `no container left (${fx.root})`);
}
