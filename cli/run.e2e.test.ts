// kiln run as a user runs it: bin/kiln on an image imported from the host's busybox.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBusyboxTarball } from '../util/test-busybox.js';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('kiln run e2e', ['runc', 'tar'])) {
  const test = suite('kiln run e2e');
  const fx = kilnFixture('run');
  const { tmp, root } = fx;
  const kiln = (...args: string[]): KilnRun => fx.kiln(args);

  test.before(async () => {
    await makeBusyboxTarball(tmp, join(tmp, 'busybox.tar'));
    assert.is(kiln('import', join(tmp, 'busybox.tar'), 'busybox:test').code, 0);
  });
  test.after(async () => {
    await fx.cleanup();
  });

  test('output, and the exit code becomes kiln\'s', () => {
    const ok = kiln('run', '--rm', 'busybox:test', 'echo', 'hello');
    assert.is(ok.code, 0, ok.stderr);
    assert.is(ok.stdout, 'hello\n');
    assert.is(kiln('run', '--rm', 'busybox:test', 'sh', '-c', 'exit 7').code, 7);
    const both = kiln('run', '--rm', 'busybox:test', 'sh', '-c', 'echo out; echo err >&2; exit 1');
    assert.equal([both.code, both.stdout, both.stderr], [1, 'out\n', 'err\n']);
  });

  test('-e, --env-file, -w, -u and options after the image belong to the command', async () => {
    await writeFile(join(tmp, 'env'), 'FROMFILE=yes\n');
    const r = kiln('run', '--rm', '-e', 'A=1', '--env-file', join(tmp, 'env'), '-w', '/tmp/work', '-u', 'app', 'busybox:test', 'sh', '-c', 'echo $A $FROMFILE; pwd; id -u; id -G');
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '1 yes\n/tmp/work\n1000\n1000 2000\n');
    assert.is(kiln('run', '--rm', 'busybox:test', 'ls', '-d', '/').stdout, '/\n');
  });

  test('--entrypoint, -v and --network none', async () => {
    await writeFile(join(tmp, 'shared.txt'), 'from the host\n');
    const r = kiln('run', '--rm', '--entrypoint', 'cat', '-v', `${tmp}:/host:ro`, 'busybox:test', '/host/shared.txt');
    assert.is(r.stdout, 'from the host\n', r.stderr);
    const ro = kiln('run', '--rm', '-v', `${tmp}:/host:ro`, 'busybox:test', 'touch', '/host/x');
    assert.not.equal(ro.code, 0);
    const net = kiln('run', '--rm', '--network', 'none', 'busybox:test', 'sh', '-c', "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    assert.is(net.stdout, 'lo\n', net.stderr);
  });

  test('errors: a missing command exits 127 like docker, a missing image names it', () => {
    const r = kiln('run', '--rm', 'busybox:test', 'nope');
    assert.is(r.code, 127);
    assert.match(r.stderr, /exec: "nope": executable file not found in \$PATH/);
    const m = kiln('run', 'no-such-image');
    assert.is(m.code, 125, 'kiln run itself failed: docker run\'s 125');
    // Missing locally: kiln run tries to pull it (no registry is reachable here), and says both.
    assert.match(m.stderr, /^error: image no-such-image: not in the local store, and pulling it failed: registry docker\.io: /);
    assert.is(m.stderr.trim().split('\n').length, 1);
  });

  test('--rm removes the container filesystem; --name keeps it and refuses a second use', () => {
    assert.is(kiln('run', '--name', 'keep1', 'busybox:test', 'true').code, 0);
    const again = kiln('run', '--name', 'keep1', 'busybox:test', 'true');
    assert.is(again.code, 125);
    assert.match(again.stderr, /container name "keep1" is already in use/);
    assert.is(kiln('run', '--rm', '--name', 'gone1', 'busybox:test', 'true').code, 0);
    assert.is(kiln('run', '--rm', '--name', 'gone1', 'busybox:test', 'true').code, 0);
  });

  test('nothing is left mounted or running', () => {
    const mounts = spawnSync('grep', [root, '/proc/mounts'], { encoding: 'utf8' }).stdout;
    assert.is(mounts, '');
    const list = spawnSync('runc', ['--root', join(root, 'exec', 'runc'), 'list', '-q'], { encoding: 'utf8' }).stdout;
    assert.is(list.trim(), '');
  });

  test.run();
}
