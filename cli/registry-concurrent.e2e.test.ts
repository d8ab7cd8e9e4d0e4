// Two bin/kiln pulls of one image into one root at the same time: both
// succeed and each blob crosses the network once; when the first is killed
// mid-download, the second takes its downloads over.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTestImage, sendBytes, startScriptedRegistry, type Handler, type ScriptedRegistry } from '../registry/test-scripted.js';
import { e2eReady } from '../util/test-e2e.js';
import { runKiln, startKiln, type KilnProcess } from '../util/test-kiln.js';

const MiB = 1024 * 1024;

if (e2eReady('registry concurrent pulls e2e', [])) {
  const test = suite('registry concurrent pulls e2e');
  let tmp = '';
  let reg: ScriptedRegistry;

  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-concurrent-'));
    reg = await startScriptedRegistry();
  });
  test.after(async () => {
    await reg?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  /** Resolves once `p` has printed `text`; rejects if it exits first. */
  const printed = async (p: KilnProcess, text: string): Promise<void> => {
    let exited = false;
    void p.done.then(() => (exited = true));
    while (!p.output().includes(text)) {
      if (exited) throw new Error(`kiln exited before printing ${JSON.stringify(text)}: ${p.output()}`);
      await sleep(20);
    }
  };

  /** The image is listed and saveable, and no ingest is left. */
  const assertStored = async (root: string, ref: string): Promise<void> => {
    assert.equal(await readdir(join(root, 'oci', 'ingest')).catch(() => []), [], 'no ingest is left behind');
    const tar = join(tmp, 'saved.tar');
    const save = await runKiln(['--root', root, 'save', ref, '-o', tar]);
    assert.is(save.code, 0, save.stderr);
    assert.ok((await stat(tar)).size > 0);
    await rm(tar);
  };

  test('two pulls of one image at once: both succeed, each blob is downloaded once', async () => {
    const root = join(tmp, 'twin');
    const img = await makeTestImage(3, MiB);
    reg.serve('twin', '1', img);
    // Layers are held back until both pulls have resolved the tag, so the pulls overlap for certain.
    let release = (): void => undefined;
    const bothResolved = new Promise<void>((r) => (release = r));
    const manifest = sendBytes(img.manifest.bytes, { headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    reg.on('/v2/twin/manifests/1', (req, res) => {
      if (reg.gets('/v2/twin/manifests/1') >= 2) release();
      return manifest(req, res);
    });
    for (const l of img.layers) {
      const send = sendBytes(l.bytes);
      reg.on(`/v2/twin/blobs/${l.digest}`, async (req, res) => (await bothResolved, send(req, res)));
    }
    const ref = `${reg.host}/twin:1`;
    const a = startKiln(['--root', root, 'pull', ref]);
    const b = startKiln(['--root', root, 'pull', ref]);
    // Should either die early, the other must not wait on the gate forever.
    void Promise.race([a.done, b.done]).then(release);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.is(ra.code, 0, ra.stderr);
    assert.is(rb.code, 0, rb.stderr);
    for (const r of [ra, rb]) assert.ok(r.stdout.trimEnd().endsWith(img.config.digest), r.stdout);
    for (const blob of [img.config, ...img.layers]) assert.is(reg.gets(`/v2/twin/blobs/${blob.digest}`), 1, `GETs of ${blob.digest}`);
    assert.is(reg.gets('/v2/twin/manifests/1'), 2);
    const waited = [ra, rb].filter((r) => /: waiting\n/.test(r.stdout));
    assert.is(waited.length, 1, 'one pull waited for the other');
    await assertStored(root, ref);
  });

  test('the first pull killed (-9) mid-download: the second takes its downloads over and succeeds', async () => {
    const root = join(tmp, 'phoenix');
    const img = await makeTestImage(1, 4 * MiB);
    const layer = img.layers[0]!;
    reg.serve('phoenix', '1', img);
    let firstStarted = (): void => undefined;
    const started = new Promise<void>((r) => (firstStarted = r));
    const send = sendBytes(layer.bytes);
    const layerPath = `/v2/phoenix/blobs/${layer.digest}`;
    // The first GET gets half the layer and then nothing: its pull is killed while it waits.
    const handler: Handler = (req, res) => {
      if (reg.gets(layerPath) > 1) return send(req, res);
      res.writeHead(200, { 'content-length': String(layer.size) });
      res.write(layer.bytes.subarray(0, layer.size >> 1));
      firstStarted();
    };
    reg.on(layerPath, handler);
    const ref = `${reg.host}/phoenix:1`;
    const a = startKiln(['--root', root, 'pull', ref]);
    await Promise.race([started, a.done.then((r) => assert.unreachable(`the first pull ended early: ${r.stderr}`))]);
    const b = startKiln(['--root', root, 'pull', ref]);
    await printed(b, ': waiting\n');
    a.child.kill('SIGKILL');
    assert.is((await a.done).signal, 'SIGKILL');
    const rb = await b.done;
    assert.is(rb.code, 0, rb.stderr);
    assert.ok(rb.stdout.trimEnd().endsWith(img.config.digest), rb.stdout);
    assert.is(reg.gets(layerPath), 2, 'the layer: the killed pull’s GET and the takeover');
    assert.is(reg.gets(`/v2/phoenix/blobs/${img.config.digest}`), 2, 'the config: fetched again by the takeover');
    await assertStored(root, ref);
  });

  test.run();
}
