// Rootless kiln: bin/kiln run as an ordinary user (scripts/rootless-user.sh makes
// it, with a subordinate id range) builds, runs, pushes and pulls inside its own
// user namespace, and its layers are the ones a root build makes.
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { reportSkip, e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnFixture } from '../util/test-kiln.js';
import { freePort, startRegistry, type TestRegistry } from '../registry/test-servers.js';

const USER = 'kiln-rootless';

function userReady(): boolean {
  if (spawnSync('id', ['-u', USER]).status === 0) return true;
  reportSkip('rootless e2e', `no user ${USER}: run scripts/rootless-user.sh as root (scripts/setup.sh does)`);
  return false;
}

const APP = [
  'FROM bb AS build',
  'RUN --mount=type=cache,target=/cache,uid=1000 sh -c "mkdir -p /cache; echo run >> /cache/log; mkdir -p /out; cp /cache/log /out/log"',
  'RUN mkdir -p /out/sub && echo keep > /out/sub/f && chown -R 1000:1000 /out',
  'FROM bb',
  'COPY --from=build --chown=1000:1000 /out /home/app/out',
  'COPY --chown=1234:5678 data.txt /data.txt',
  'RUN mkdir -p /opq/a && echo old > /opq/a/f',
  'RUN rm -rf /opq/a && mkdir /opq/a && echo new > /opq/a/g && rm /bin/vi',
  'USER 1000',
  'RUN id -u > /tmp/built-by',
  `CMD ["sh", "-c", "id -u; cat /tmp/built-by; stat -c '%u:%g %n' /data.txt /home/app/out/log /opq/a; cat /home/app/out/log; ls /opq/a; test -e /bin/vi || echo no-vi"]`,
  '',
].join('\n');

if (e2eReady('rootless e2e', ['runc', 'newuidmap', 'setpriv', 'pasta', 'docker-registry']) && userReady()) {
  const test = suite('rootless e2e');
  const fx: KilnFixture = kilnFixture('rootless', { user: USER });
  let ctx = '';
  let same = '';
  let saved = '';
  let registry: TestRegistry | undefined;

  test.before(async () => {
    await fx.baseImage();
    ctx = await fx.context('app', { Dockerfile: APP, 'data.txt': 'data\n' });
    // What a cache mount holds depends on earlier builds, so the digest comparison builds without one.
    same = await fx.context('same', { Dockerfile: APP.replace('--mount=type=cache,target=/cache,uid=1000 ', ''), 'data.txt': 'data\n' });
  });
  test.after(async () => {
    await registry?.stop();
    await fx.cleanup();
  });

  test('an ordinary user builds multi-stage with COPY --chown, USER and a cache mount, and runs the result', () => {
    const uid = spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim();
    const own = fx.ok(['run', '--rm', 'bb', 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
    // Container 0 is the user; 1..65535 its subordinate range.
    assert.match(own.stdout, new RegExp(`^0\\n\\s+0\\s+${uid}\\s+1\\n\\s+1\\s+\\d+\\s+65535\\n$`));
    fx.ok(['build', '-q', '-t', 'app', ctx]);
    const r = fx.ok(['run', '--rm', 'app']);
    assert.is(r.stdout, '1000\n1000\n1234:5678 /data.txt\n1000:1000 /home/app/out/log\n0:0 /opq/a\nrun\ng\nno-vi\n');
    // The cache mount outlives the build: a rebuild of that step appends to it.
    fx.ok(['build', '-q', '--no-cache', '-t', 'app2', ctx]);
    assert.match(fx.ok(['run', '--rm', 'app2', 'cat', '/home/app/out/log']).stdout, /^run\nrun\n$/);
  });

  test('the same Dockerfile built as root and rootless with SOURCE_DATE_EPOCH has the same digest', async () => {
    const asRoot = kilnFixture('rootless-root');
    try {
      asRoot.ok(['load', '-i', join(fx.tmp, 'base-bb.tar')]);
      const env = { SOURCE_DATE_EPOCH: '1700000000' };
      const rootless = fx.ok(['build', '-q', same], { env }).stdout.trim();
      const root = asRoot.ok(['build', '-q', same], { env }).stdout.trim();
      assert.match(rootless, /^sha256:[0-9a-f]{64}$/);
      assert.is(rootless, root);
    } finally {
      await asRoot.cleanup();
    }
  });

  test('kiln run -d with -p above 1024 and -v serves the host; below 1024 and --memory are refused clearly', async () => {
    const www = join(fx.tmp, 'www');
    await mkdir(www);
    await writeFile(join(www, 'index.html'), 'hello rootless\n');
    spawnSync('chown', ['-R', USER, www]);
    const port = await freePort();
    fx.ok(['run', '-d', '--name', 'web', '-p', `127.0.0.1:${port}:8080`, '-v', `${www}:/www:ro`, 'bb', 'httpd', '-f', '-p', '8080', '-h', '/www']);
    try {
      let body = '';
      for (let i = 0; i < 100 && body === ''; i++) {
        body = await fetch(`http://127.0.0.1:${port}/index.html`).then((res) => res.text(), () => '');
        if (body === '') await new Promise((done) => setTimeout(done, 50));
      }
      assert.is(body, 'hello rootless\n');
    } finally {
      fx.ok(['rm', '-f', 'web']);
    }
    const low = fx.kiln(['run', '--rm', '-p', '127.0.0.1:80:8080', 'bb', 'true']);
    assert.is(low.code, 125);
    assert.match(low.stderr, /^error: rootless kiln cannot publish host port 80: .*net\.ipv4\.ip_unprivileged_port_start/);
    const mem = fx.kiln(['run', '--rm', '--memory', '64m', 'bb', 'true']);
    assert.not.equal(mem.code, 0);
    assert.match(mem.stderr, /--memory cannot be enforced by rootless kiln/);
  });

  test('push to and pull from a local registry, save and load, prune', async () => {
    registry = await startRegistry(join(fx.tmp, 'registry'));
    const ref = (saved = `${registry.host}/rootless/app:1`);
    fx.ok(['tag', 'app', ref]);
    await fx.kilnAsync(['push', ref]).then((r) => assert.is(r.code, 0, r.stderr));
    fx.ok(['rmi', ref, 'app', 'app2']);
    fx.ok(['prune', '-a', '-f']);
    await fx.kilnAsync(['pull', ref]).then((r) => assert.is(r.code, 0, r.stderr));
    assert.match(fx.ok(['run', '--rm', ref]).stdout, /^1000\n/);
    fx.ok(['save', ref, '-o', join(fx.tmp, 'app.tar')]);
    fx.ok(['rmi', ref]);
    fx.ok(['load', '-i', join(fx.tmp, 'app.tar')]);
    assert.match(fx.ok(['images']).stdout, /rootless\/app\s+1\s/);
  });

  test('a user without subordinate ids runs as 0 only, and a file owned by another id names usermod --add-subuids', async () => {
    const nosub = kilnFixture('rootless-nosub', { user: `${USER}-nosub` });
    try {
      await nosub.baseImage();
      assert.is(nosub.ok(['run', '--rm', 'bb', 'sh', '-c', 'id -u; wc -l < /proc/self/uid_map']).stdout, '0\n1\n');
      const tar = join(nosub.tmp, 'app.tar');
      await copyFile(join(fx.tmp, 'app.tar'), tar);
      await chmod(tar, 0o644);
      nosub.ok(['load', '-i', tar]);
      const r = nosub.kiln(['run', '--rm', saved]);
      assert.is(r.code, 125);
      assert.match(r.stderr, /lchown/);
      assert.match(r.stderr, new RegExp(`usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${USER}-nosub\n$`));
      assert.not.match(r.stderr, /internal error/);
    } finally {
      await nosub.cleanup();
    }
  });

  test.run();
}
