// Volumes as a user meets them (bin/kiln, real runc): a named volume keeps
// data across containers, a new volume is filled from the image (owners and
// modes kept), image VOLUMEs and `-v /path` get anonymous volumes that
// `rm -v` removes, a volume in use cannot be removed, `--mount` of each type,
// hostile volume names refused, and `kiln du` counting volumes.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('kiln volumes e2e', ['runc'])) {
  const test = suite('kiln volumes e2e');
  const fx = kilnFixture('volumes');
  const { root, tmp } = fx;
  const ok = (...args: string[]): string => fx.ok(args).stdout;
  const kiln = (...args: string[]): KilnRun => fx.kiln(args);
  const volumes = (): string[] => ok('volume', 'ls', '-q').split('\n').filter(Boolean);

  test.before(async () => {
    await fx.baseImage();
    const ctx = await fx.context('seeded', {
      Dockerfile: [
        'FROM bb',
        'RUN mkdir -p /seed/sub /cache && echo hello > /seed/sub/f && chown -R 123:45 /seed && chmod 0710 /seed && chmod 0600 /seed/sub/f && echo img > /cache/from-image',
        'VOLUME /cache',
        '',
      ].join('\n'),
    });
    ok('build', '-q', '-t', 'seeded', ctx);
  });
  test.after(() => fx.cleanup());

  test('a named volume keeps data across two containers; in use it cannot be removed; then it can', () => {
    assert.is(ok('volume', 'create', '--label', 'team=a', 'data1'), 'data1\n');
    ok('run', '--rm', '-v', 'data1:/data', 'bb', 'sh', '-c', 'echo kept > /data/x');
    ok('run', '--name', 'reader', '-v', 'data1:/data:ro', 'bb', 'cat', '/data/x');
    assert.is(ok('logs', 'reader'), 'kept\n');
    assert.is(kiln('run', '--rm', '-v', 'data1:/data:ro', 'bb', 'touch', '/data/y').code, 1, 'ro is read-only');
    const refused = kiln('volume', 'rm', 'data1');
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /remove data1: volume is in use by container [0-9a-f]{12}/);
    assert.is(ok('volume', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}} {{.Driver}} {{.Links}}'), 'data1 local 1\n');
    assert.is(ok('volume', 'inspect', '-f', '{{.Mountpoint}}', 'data1'), `${join(root, 'volumes', 'data1', '_data')}\n`);
    ok('rm', 'reader');
    assert.is(ok('volume', 'ls', '--filter', 'dangling=true', '-q'), 'data1\n');
    assert.is(ok('volume', 'rm', 'data1'), 'data1\n');
    assert.not.ok(existsSync(join(root, 'volumes', 'data1')));
  });

  test("a new volume is filled from the image's content at its path, owners and modes kept; a volume with content is not", () => {
    const out = ok('run', '--rm', '-v', 'seeded1:/seed', 'seeded', 'sh', '-c', 'stat -c "%a %u:%g %n" /seed /seed/sub/f; cat /seed/sub/f; echo mine > /seed/mine');
    assert.is(out, '710 123:45 /seed\n600 123:45 /seed/sub/f\nhello\n');
    // The volume now holds data: a second use does not copy again (mine stays, nothing comes back).
    ok('run', '--rm', '-v', 'seeded1:/seed', 'seeded', 'sh', '-c', 'rm -r /seed/sub');
    assert.is(ok('run', '--rm', '-v', 'seeded1:/seed', 'seeded', 'ls', '/seed'), 'mine\n');
    // nocopy: an empty volume stays empty.
    assert.is(ok('run', '--rm', '--mount', 'type=volume,source=empty1,target=/seed,volume-nocopy', 'seeded', 'ls', '-A', '/seed'), '');
    ok('volume', 'rm', 'seeded1', 'empty1');
  });

  test('image VOLUMEs and -v /path get anonymous volumes; rm -v removes them, --rm too', () => {
    ok('run', '--name', 'anon', '-v', '/extra', 'seeded', 'sh', '-c', 'cat /cache/from-image; echo more > /extra/x');
    assert.is(ok('logs', 'anon'), 'img\n');
    const anon = volumes();
    assert.is(anon.length, 2);
    for (const v of anon) assert.match(v, /^[0-9a-f]{64}$/);
    const mounts = JSON.parse(ok('container', 'inspect', '-f', '{{json .Mounts}}', 'anon')) as { Type: string; Name: string; Destination: string }[];
    assert.equal(mounts.map((m) => `${m.Type}:${m.Destination}`).sort(), ['volume:/cache', 'volume:/extra']);
    assert.equal(mounts.map((m) => m.Name).sort(), [...anon].sort());
    ok('rm', '-v', 'anon');
    assert.equal(volumes(), []);
    ok('run', '--rm', 'seeded', 'true');
    assert.equal(volumes(), [], '--rm removes the anonymous volume of the image VOLUME');
    // A bind or a named volume on the VOLUME path replaces the anonymous one.
    ok('run', '--rm', '-v', 'named1:/cache', 'seeded', 'true');
    assert.equal(volumes(), ['named1']);
    ok('volume', 'rm', 'named1');
  });

  test('--mount: tmpfs with size and mode, bind readonly, volume; errors name the flag', async () => {
    const host = join(tmp, 'bindsrc');
    await mkdir(host);
    await writeFile(join(host, 'f'), 'from host\n');
    const out = ok('run', '--rm', '--mount', 'type=tmpfs,target=/scratch,tmpfs-size=4m,tmpfs-mode=1770', '--mount', `type=bind,source=${host},target=/h,readonly`, '--mount', 'source=mvol,target=/v',
      'bb', 'sh', '-c', 'grep " /scratch " /proc/mounts; stat -c %a /scratch; cat /h/f; touch /h/no || echo ro; echo v > /v/x');
    assert.match(out, /^tmpfs \/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=4096k,mode=1770/m);
    assert.match(out, /^1770\nfrom host\n/m);
    assert.match(out, /^ro$/m);
    assert.is(ok('run', '--rm', '-v', 'mvol:/v', 'bb', 'cat', '/v/x'), 'v\n');
    const missing = kiln('run', '--rm', '--mount', `type=bind,source=${join(tmp, 'nope')},target=/x`, 'bb', 'true');
    assert.is(missing.code, 125);
    assert.match(missing.stderr, /bind source path does not exist: .*nope/);
    const dup = kiln('run', '--rm', '-v', 'mvol:/v', '--mount', 'type=tmpfs,target=/v', 'bb', 'true');
    assert.match(dup.stderr, /duplicate mount point: \/v/);
    assert.match(kiln('run', '--rm', '--mount', 'type=tmpfs', 'bb', 'true').stderr, /invalid --mount "type=tmpfs": target is required/);
    ok('volume', 'rm', 'mvol');
  });

  test('hostile volume names are refused everywhere; nothing is made outside <root>/volumes', async () => {
    for (const args of [['volume', 'create', '../../escape'], ['run', '--rm', '-v', '../../escape:/x', 'bb', 'true'], ['run', '--rm', '--mount', 'source=../x,target=/x', 'bb', 'true'], ['volume', 'inspect', '../..'], ['volume', 'rm', '../../oci']]) {
      const r = kiln(...args);
      assert.ok(r.code !== 0, args.join(' '));
      assert.match(r.stderr, /invalid characters for a local volume name/, args.join(' '));
      assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.not.ok(existsSync(join(tmp, 'escape')));
    assert.not.ok(existsSync(join(root, 'escape')));
    assert.ok(existsSync(join(root, 'oci')));
    // Bind sources are host paths and still work.
    assert.is(ok('run', '--rm', '-v', `${fx.baseContext}:/ctx:ro`, 'bb', 'ls', '/ctx/Dockerfile'), '/ctx/Dockerfile\n');
  });

  test('kiln du counts volumes; volume prune removes unused anonymous ones, -a every unused one', async () => {
    ok('volume', 'create', 'keepme');
    ok('run', '--rm', '-v', 'keepme:/k', 'bb', 'sh', '-c', 'dd if=/dev/zero of=/k/blob bs=1k count=64 2>/dev/null');
    ok('run', '--name', 'holder', '-v', '/anon', 'bb', 'true');
    const du = JSON.parse(ok('du', '--format', 'json')) as { kinds: { kind: string; count: number; active: number; size: number }[] };
    const row = du.kinds.find((k) => k.kind === 'volumes');
    assert.equal({ count: row?.count, active: row?.active, size: row?.size }, { count: 2, active: 1, size: 65536 });
    assert.match(ok('du'), /^volumes\s+2\s+1\s+65\.5kB\s+0B$/m);
    assert.match(ok('volume', 'prune', '-f'), /^Total reclaimed space: 0B$/m, 'the anonymous one is in use');
    ok('rm', 'holder');
    assert.match(ok('volume', 'prune', '-f'), /^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: 0B\n$/);
    assert.equal(volumes(), ['keepme']);
    assert.match(ok('volume', 'prune', '-f', '-a'), /^Deleted Volumes:\nkeepme\n\nTotal reclaimed space: 65\.5kB\n$/);
    assert.equal(await readdir(join(root, 'volumes')), []);
  });

  test.run();
}
