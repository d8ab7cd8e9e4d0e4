// kiln pull against a registry that breaks the rules, as a user runs it: each
// bin/kiln pull fails non-zero with one clear line, stays within a small
// memory bound, and leaves the root as it was.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_RETRY } from '../registry/index.js';
import { makeManifest, makeTestImage, sendBytes, sendEndless, sendStalled, startScriptedRegistry, type ScriptedRegistry, type Sent, type TestImage } from '../registry/test-scripted.js';
import { sha256 } from '../util/digest.js';
import { e2eReady } from '../util/test-e2e.js';
import { GNU_TIME, runKiln, runKilnMeasured } from '../util/test-kiln.js';

const MiB = 1024 * 1024;
/** The peak RSS a failing pull may reach, whatever the registry sends. */
const PEAK_LIMIT_KIB = 150 * 1024;

if (e2eReady('registry hostile e2e', [GNU_TIME])) {
  const test = suite('registry hostile e2e');
  let tmp = '';
  let root = '';
  let reg: ScriptedRegistry;
  let good: TestImage;
  let blobsBefore: string[] = [];

  const blobs = async (): Promise<string[]> => (await readdir(join(root, 'oci', 'blobs', 'sha256'))).sort();
  const ingests = async (): Promise<string[]> => readdir(join(root, 'oci', 'ingest')).catch(() => []);

  /**
   * Pulls `repo:1` expecting a failure: exit 1, one `error:` line matching
   * `message`, no stack trace, peak RSS under the limit, and the root intact.
   */
  const pullFails = async (repo: string, message: RegExp, env: NodeJS.ProcessEnv = {}): Promise<string> => {
    const r = await runKilnMeasured(['--root', root, 'pull', `${reg.host}/${repo}:1`], env);
    assert.is(r.code, 1, `exit code; stderr: ${r.stderr}`);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.is(errors.length, 1, r.stderr);
    assert.match(errors[0] as string, message);
    assert.not.match(r.stderr, /^\s+at /m, 'no stack trace');
    assert.ok(r.peakKiB > 0 && r.peakKiB < PEAK_LIMIT_KIB, `peak RSS ${r.peakKiB} KiB`);
    console.log(`  ${repo}: peak RSS ${(r.peakKiB / 1024).toFixed(1)} MiB`);
    await assertRootIntact();
    return errors[0] as string;
  };

  /** The image pulled first is still listed and saveable; nothing else was stored; no ingest is left. */
  const assertRootIntact = async (): Promise<void> => {
    assert.equal(await blobs(), blobsBefore, 'the blob store is unchanged');
    assert.equal(await ingests(), [], 'no ingest is left behind');
    const images = await runKiln(['--root', root, 'images']);
    assert.is(images.code, 0, images.stderr);
    assert.match(images.stdout, new RegExp(`${reg.host.replace(/\./g, '\\.')}/good`));
    const tar = join(tmp, 'good.tar');
    const save = await runKiln(['--root', root, 'save', `${reg.host}/good:1`, '-o', tar]);
    assert.is(save.code, 0, save.stderr);
    assert.ok((await stat(tar)).size > good.layers[0]!.size);
    await rm(tar);
  };

  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-hostile-'));
    root = join(tmp, 'root');
    reg = await startScriptedRegistry();
    good = await makeTestImage(2);
    reg.serve('good', '1', good);
    const r = await runKiln(['--root', root, 'pull', `${reg.host}/good:1`]);
    assert.is(r.code, 0, r.stderr);
    blobsBefore = await blobs();
  });
  test.after(async () => {
    await reg?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  test('a 64 MiB manifest without Content-Length: refused once past 4 MiB, the rest never read', async () => {
    const sent: Sent = { bytes: 0 };
    reg.on('/v2/huge/chunked/manifests/1', sendEndless(Buffer.from('{"layers":"'), 64 * MiB, sent));
    await pullFails('huge/chunked', /^error: registry 127\.0\.0\.1:\d+: manifest 127\.0\.0\.1:\d+\/huge\/chunked:1 is larger than 4 MiB \(kiln's limit for manifests, indexes and configs\); refused$/);
    assert.is(reg.gets('/v2/huge/chunked/manifests/1'), 1, 'a refused manifest is not fetched again');
    assert.ok(sent.bytes < 32 * MiB, `the registry got ${sent.bytes} bytes out`);
  });

  test('a manifest announced as 2 GiB: refused from its Content-Length before the body is read', async () => {
    const sent: Sent = { bytes: 0 };
    reg.on('/v2/huge/announced/manifests/1', sendEndless(Buffer.from('{'), 64 * MiB, sent, 2 * 1024 * MiB));
    await pullFails('huge/announced', /manifest 127\.0\.0\.1:\d+\/huge\/announced:1 is 2147483648 bytes, more than 4 MiB .*; refused$/);
    assert.ok(sent.bytes < 32 * MiB, `the registry got ${sent.bytes} bytes out`);
  });

  test('a manifest whose Content-Length lies low while 64 MiB follow: only the announced bytes are read, then a clear error', async () => {
    const sent: Sent = { bytes: 0 };
    reg.on('/v2/huge/lowball/manifests/1', sendEndless(Buffer.from('{"layers":"'), 64 * MiB, sent, 1000));
    await pullFails('huge/lowball', /manifest 127\.0\.0\.1:\d+\/huge\/lowball:1 is not valid JSON/);
    assert.ok(sent.bytes < 32 * MiB, `the registry got ${sent.bytes} bytes out`);
  });

  test('a layer longer than its descriptor (64 MiB more, chunked): refused as soon as it overflows, nothing stored', async () => {
    const img = await makeTestImage();
    const layer = img.layers[0]!;
    reg.serve('lie/long', '1', img);
    const sent: Sent = { bytes: 0 };
    reg.on(`/v2/lie/long/blobs/${layer.digest}`, sendEndless(layer.bytes, layer.size + 64 * MiB, sent));
    await pullFails('lie/long', new RegExp(`^error: registry 127\\.0\\.0\\.1:\\d+: repository lie/long: layer ${layer.digest}: the registry sent more, but its descriptor gives ${layer.size} bytes; refused, nothing stored or tagged$`));
    assert.is(reg.gets(`/v2/lie/long/blobs/${layer.digest}`), 1, 'a size lie is not retried');
    assert.ok(sent.bytes < 32 * MiB, `the registry got ${sent.bytes} bytes out`);
  });

  test('a layer whose Content-Length announces more than its descriptor: refused before reading', async () => {
    const img = await makeTestImage();
    const layer = img.layers[0]!;
    reg.serve('lie/announced', '1', img);
    reg.on(`/v2/lie/announced/blobs/${layer.digest}`, sendBytes(Buffer.concat([layer.bytes, Buffer.alloc(100)])));
    await pullFails('lie/announced', new RegExp(`repository lie/announced: layer ${layer.digest}: the registry announced ${layer.size + 100} bytes, but its descriptor gives ${layer.size} bytes; refused`));
  });

  test('a layer shorter than its descriptor (its bytes complete and valid): refused, nothing stored', async () => {
    const img = await makeTestImage();
    const layer = img.layers[0]!;
    const lying = makeManifest(img.config, [{ digest: layer.digest, size: layer.size + 10 }]);
    reg.serve('lie/short', '1', { ...img, manifest: lying });
    reg.on(`/v2/lie/short/blobs/${layer.digest}`, sendBytes(layer.bytes, { length: null }));
    await pullFails('lie/short', new RegExp(`repository lie/short: layer ${layer.digest}: the registry sent ${layer.size} bytes, but its descriptor gives ${layer.size + 10} bytes; refused`));
  });

  test('a config longer than its descriptor: refused', async () => {
    const img = await makeTestImage();
    const lying = makeManifest({ digest: img.config.digest, size: img.config.size - 5 }, img.layers);
    reg.serve('lie/config', '1', { ...img, manifest: lying });
    reg.on(`/v2/lie/config/blobs/${img.config.digest}`, sendBytes(img.config.bytes, { length: null }));
    await pullFails('lie/config', new RegExp(`repository lie/config: config ${img.config.digest} of .*: the registry sent more than the ${img.config.size - 5} bytes its descriptor gives; refused`));
  });

  test('a manifest by tag whose Docker-Content-Digest disagrees with its content: refused before any blob', async () => {
    const img = await makeTestImage();
    reg.serve('lie/digest', '1', img);
    const claimed = sha256('something else');
    reg.on('/v2/lie/digest/manifests/1', sendBytes(img.manifest.bytes, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': claimed } }));
    await pullFails('lie/digest', new RegExp(`manifest 127\\.0\\.0\\.1:\\d+/lie/digest:1: content has digest ${img.manifest.digest}, but the registry's Docker-Content-Digest header says ${claimed}; refused$`));
    assert.is(reg.gets(`/v2/lie/digest/blobs/${img.config.digest}`), 0);
  });

  test('a manifest by digest must hash to it (whatever the headers say)', async () => {
    const img = await makeTestImage();
    const other = await makeTestImage();
    reg.on(`/v2/lie/bydigest/manifests/${img.manifest.digest}`, sendBytes(other.manifest.bytes, { headers: { 'docker-content-digest': img.manifest.digest } }));
    const r = await runKiln(['--root', root, 'pull', `${reg.host}/lie/bydigest@${img.manifest.digest}`]);
    assert.is(r.code, 1);
    assert.match(r.stderr, new RegExp(`^error: manifest .*lie/bydigest@${img.manifest.digest}: content has digest ${other.manifest.digest}, expected ${img.manifest.digest}; refused\\n$`));
    await assertRootIntact();
  });

  // The idle timeout is 1 s, not less: on a loaded machine a shorter one can lapse before the server has even
  // read the request, and that attempt would not be counted below.
  test('a manifest body that stalls: abandoned after the idle timeout, retried, then a clear error', async () => {
    reg.on('/v2/stall/manifest/manifests/1', sendStalled(Buffer.from('{"schema'), 1000));
    const line = await pullFails('stall/manifest', /^error: registry 127\.0\.0\.1:\d+: GET http:\/\/127\.0\.0\.1:\d+\/v2\/stall\/manifest\/manifests\/1 stalled: no data for 1s after 8 bytes of the body$/, { KILN_REGISTRY_IDLE_TIMEOUT: '1' });
    assert.ok(line.length > 0);
    assert.is(reg.gets('/v2/stall/manifest/manifests/1'), DEFAULT_RETRY.attempts, 'retried per the retry policy');
  });

  test('a layer body that stalls: abandoned, retried, then an error naming the registry, repository and digest', async () => {
    const img = await makeTestImage(1, 64 * 1024);
    const layer = img.layers[0]!;
    reg.serve('stall/blob', '1', img);
    reg.on(`/v2/stall/blob/blobs/${layer.digest}`, sendStalled(layer.bytes.subarray(0, 1000), layer.size));
    await pullFails('stall/blob', new RegExp(`^error: registry 127\\.0\\.0\\.1:\\d+: GET http://127\\.0\\.0\\.1:\\d+/v2/stall/blob/blobs/${layer.digest} stalled: no data for 1s after 1000 bytes of the body$`), { KILN_REGISTRY_IDLE_TIMEOUT: '1' });
    assert.is(reg.gets(`/v2/stall/blob/blobs/${layer.digest}`), DEFAULT_RETRY.attempts);
  });

  test('a bad KILN_REGISTRY_IDLE_TIMEOUT is a clear error naming it', async () => {
    const r = await runKiln(['--root', root, 'pull', `${reg.host}/good:1`], { KILN_REGISTRY_IDLE_TIMEOUT: '30s' });
    assert.is(r.code, 1);
    assert.is(r.stderr, 'error: KILN_REGISTRY_IDLE_TIMEOUT="30s": expected a positive number of seconds, e.g. 30 or 0.5\n');
  });

  test.run();
}
