// --cache-to / --cache-from type=registry as CI uses them, against Debian's docker-registry:
// build on root A and push the cache; build again on an empty root B from the registry alone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRegistry, type TestRegistry } from '../registry/test-servers.js';
import { e2eReady } from '../util/test-e2e.js';
import { cacheKit } from './test-cache.js';

if (e2eReady('registry cache e2e', ['runc', 'busybox', 'docker-registry', 'skopeo'])) {
  const test = suite('registry cache e2e');
  const { fx, tmp, kiln, build, cached, stepOutput, printed, iid, emptyRoot, setUp } = cacheKit('regcache');
  let reg: TestRegistry | undefined;
  const host = (): string => {
    if (reg === undefined) throw new Error('registry not started');
    return reg.host;
  };

  test.before(async () => {
    await setUp();
    reg = await startRegistry(join(tmp, 'registry'));
  });
  test.after(async () => {
    await reg?.stop();
    await fx.cleanup();
  });

  test('mode=max to a registry: an empty root B with --cache-from runs no step and gets the same image id', async () => {
    const rootA = join(tmp, 'a');
    const ref = `${host()}/kiln/cache:1`;
    const a = build(rootA, '-t', 'app', '--iidfile', join(tmp, 'iid-a'), '--cache-to', `type=registry,ref=${ref},mode=max`);
    assert.is(a.code, 0, a.stderr + a.stdout);
    assert.ok(printed(a.stderr, 'ran-build') && printed(a.stderr, 'ran-final'), `A ran both stages:\n${a.stderr}`);

    // An independent client reads what kiln pushed: an OCI image manifest with kiln's cache config.
    const raw = spawnSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`], { encoding: 'utf8' });
    assert.is(raw.status, 0, raw.stderr);
    const m = JSON.parse(raw.stdout) as { mediaType: string; config: { mediaType: string }; layers: { mediaType: string }[] };
    assert.is(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.is(m.config.mediaType, 'application/vnd.kiln.cache.config.v1+json');
    assert.ok(m.layers.length > 0 && m.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip'), raw.stdout);

    const rootB = await emptyRoot('b');
    const b = build(rootB, '-t', 'app', '--iidfile', join(tmp, 'iid-b'), '--cache-from', `type=registry,ref=${ref}`);
    assert.is(b.code, 0, b.stderr);
    assert.equal(stepOutput(b.stderr), [], `no step ran on B:\n${b.stderr}`);
    assert.is(cached(b.stderr), 7, `FROM and all six steps are CACHED:\n${b.stderr}`);
    assert.is(await iid('iid-b'), await iid('iid-a'));
    const run = kiln(rootB, ['run', '--rm', 'app', 'cat', '/app/copy.txt']);
    assert.is(run.stdout, 'SHOUT\n', run.stderr);

    // mode=max carried the intermediate stage too.
    const t = build(rootB, '--target', 'build', '--cache-from', `type=registry,ref=${ref}`);
    assert.is(t.code, 0, t.stderr);
    assert.equal(stepOutput(t.stderr), [], t.stderr);

    // Pushing the same cache again (blobs all present) leaves the same manifest.
    const again = build(rootA, '-t', 'app', '--cache-to', `type=registry,ref=${ref},mode=max`);
    assert.is(again.code, 0, again.stderr);
    const raw2 = spawnSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`], { encoding: 'utf8' });
    assert.is(raw2.stdout, raw.stdout);
  });

  test('--cache-from a tag not pushed yet is not an error: the build just runs', async () => {
    const rootC = await emptyRoot('c');
    const c = build(rootC, '-t', 'app', '--cache-from', `type=registry,ref=${host()}/kiln/cache:never-pushed`);
    assert.is(c.code, 0, c.stderr);
    assert.ok(printed(c.stderr, 'ran-build') && printed(c.stderr, 'ran-final'), c.stderr);
    // An unknown repository too.
    const d = build(rootC, '--cache-from', `type=registry,ref=${host()}/kiln/nothing-here:1`);
    assert.is(d.code, 0, d.stderr);
  });

  test.run();
}
