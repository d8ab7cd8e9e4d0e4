// --cache-to / --cache-from type=local as CI uses them: build on root A, build again on an empty root B.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { cacheKit } from './test-cache.js';

if (e2eReady('cache export e2e', ['runc', 'busybox'])) {
  const test = suite('cache export e2e');
  const { fx, tmp, kiln, build, cached, stepOutput, printed, iid, emptyRoot, setUp } = cacheKit('cache');

  test.before(async () => {
    await setUp();
  });
  test.after(async () => {
    await fx.cleanup();
  });

  test('mode=max: an empty root B with --cache-from runs no step and gets the same image id', async () => {
    const rootA = join(tmp, 'a');
    const dest = join(tmp, 'cache-max');
    const a = build(rootA, '-t', 'app', '--iidfile', join(tmp, 'iid-a'), '--cache-to', `type=local,dest=${dest},mode=max`);
    assert.is(a.code, 0, a.stderr);
    assert.ok(printed(a.stderr, 'ran-build') && printed(a.stderr, 'ran-final'), `A ran both stages:\n${a.stderr}`);
    const layout = JSON.parse(await readFile(join(dest, 'index.json'), 'utf8')) as { manifests: { mediaType: string }[] };
    assert.is(layout.manifests[0]?.mediaType, 'application/vnd.oci.image.manifest.v1+json');

    const rootB = await emptyRoot('b');
    const b = build(rootB, '-t', 'app', '--iidfile', join(tmp, 'iid-b'), '--cache-from', `type=local,src=${dest}`);
    assert.is(b.code, 0, b.stderr);
    assert.equal(stepOutput(b.stderr), [], `no step ran on B:\n${b.stderr}`);
    assert.is(cached(b.stderr), 7, `FROM and all six steps are CACHED:\n${b.stderr}`);
    assert.is(await iid('iid-b'), await iid('iid-a'));
    const run = kiln(rootB, ['run', '--rm', 'app', 'cat', '/app/copy.txt']);
    assert.is(run.stdout, 'SHOUT\n', run.stderr);

    // mode=max carried the intermediate stage too.
    const t = build(rootB, '--target', 'build', '--cache-from', `type=local,src=${dest}`);
    assert.is(t.code, 0, t.stderr);
    assert.equal(stepOutput(t.stderr), [], t.stderr);
  });

  test('mode=min: only the final image steps travel', async () => {
    const rootA = join(tmp, 'a');
    const dest = join(tmp, 'cache-min');
    const a = build(rootA, '-t', 'app', '--iidfile', join(tmp, 'iid-a2'), '--cache-to', `type=local,dest=${dest}`);
    assert.is(a.code, 0, a.stderr);

    const rootC = await emptyRoot('c');
    const t = build(rootC, '--target', 'build', '--cache-from', `type=local,src=${dest}`);
    assert.is(t.code, 0, t.stderr);
    assert.ok(printed(t.stderr, 'ran-build'), `the build stage is not in a mode=min cache:\n${t.stderr}`);
    // The final stage is: its RUN does not run, and the image is A's.
    const c = build(rootC, '-t', 'app', '--iidfile', join(tmp, 'iid-c'), '--cache-from', `type=local,src=${dest}`);
    assert.is(c.code, 0, c.stderr);
    assert.not.ok(printed(c.stderr, 'ran-final'), c.stderr);
    assert.ok(printed(t.stderr, 'ran-build') && !printed(c.stderr, 'ran-build'), 'the second build reused what the first ran');
    assert.is(await iid('iid-c'), await iid('iid-a2'));
  });

  test('bad specs are usage errors that say what is wrong', () => {
    const rootA = join(tmp, 'a');
    const r1 = build(rootA, '--cache-to', 'type=local');
    assert.ok(r1.code !== 0 && r1.code !== null, r1.stderr);
    assert.match(r1.stderr, /--cache-to type=local needs dest=DIR/);
    const r2 = build(rootA, '--cache-from', 'type=local,dst=/x');
    assert.ok(r2.code !== 0 && r2.code !== null, r2.stderr);
    assert.match(r2.stderr, /unknown key "dst"/);
    // A registry cache goes to a tag: a digest ref is refused before anything runs.
    const r3 = build(rootA, '--no-cache', '--cache-to', `type=registry,ref=127.0.0.1:5000/app@sha256:${'0'.repeat(64)}`);
    assert.ok(r3.code !== 0 && r3.code !== null, r3.stderr);
    assert.match(r3.stderr, /--cache-to type=registry,ref=\S+: a cache is pushed to a tag, not a digest/);
    assert.equal(stepOutput(r3.stderr), [], r3.stderr);
  });

  test.run();
}
