/**
 * The registry client (pull, push, auth, uploads, mounts, retries, refusals)
 * against an in-process fake registry: no root, no docker-registry binary.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaType, type ImageStore } from '../store/index.js';
import { makeTar, tempStore } from '../store/image/testing.js';
import { sha256 } from '../util/digest.js';
import { pull, push, RegistryError, type ClientOptions } from './index.js';
import { startFakeRegistry, type FakeRegistry } from './test-fake-registry.js';
import { makeTestImage, type TestImage } from './test-scripted.js';

const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

interface Kit {
  reg: FakeRegistry;
  images: ImageStore;
  other: ImageStore;
  opts: ClientOptions;
  done(): Promise<void>;
}

/** A fake registry, two empty local stores and client options that read no real docker config. */
async function kit(options: Parameters<typeof startFakeRegistry>[0] = {}): Promise<Kit> {
  const reg = await startFakeRegistry(options);
  const a = await tempStore();
  const b = await tempStore();
  const config = await mkdtemp(join(tmpdir(), 'kiln-test-dockercfg-'));
  return {
    reg,
    images: a.images,
    other: b.images,
    opts: { retry, env: { DOCKER_CONFIG: config, PATH: process.env.PATH } },
    done: async () => {
      await reg.stop();
      await Promise.all([a.cleanup(), b.cleanup(), rm(config, { recursive: true, force: true })]);
    },
  };
}

function serve(reg: FakeRegistry, repo: string, tag: string, image: TestImage): void {
  for (const b of [image.config, ...image.layers]) reg.putBlob(repo, b.bytes);
  reg.putManifest(repo, tag, image.manifest.bytes, MediaType.manifest);
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

test('pull stores the image under its name with the registry config as its id', async () => {
  const k = await kit();
  try {
    const image = await makeTestImage(2);
    serve(k.reg, 'lib/app', '1', image);
    const r = await pull(k.images, `${k.reg.host}/lib/app:1`, k.opts);
    assert.is(r.image.id, image.config.digest);
    assert.is(r.name, `${k.reg.host}/lib/app:1`);
    assert.is(r.digest, image.manifest.digest);
    const stored = await k.images.get(`${k.reg.host}/lib/app:1`);
    const m = await k.images.manifest(stored);
    assert.is(m.layers.length, 2);
    // Layers are kept uncompressed: their digests are the config's diff_ids.
    const cfg = await k.images.config(stored);
    assert.equal(m.layers.map((l) => l.digest), cfg.rootfs?.diff_ids);
  } finally {
    await k.done();
  }
});

test('push then pull round-trips an image between two stores', async () => {
  const k = await kit();
  try {
    const image = await makeTestImage(3);
    serve(k.reg, 'src', 'v', image);
    await pull(k.images, `${k.reg.host}/src:v`, k.opts);
    const pushed = await push(k.images, `${k.reg.host}/src:v`, `${k.reg.host}/team/dst:2`, k.opts);
    assert.is(pushed.ref, `${k.reg.host}/team/dst:2`);
    const remote = k.reg.manifest('team/dst', '2');
    assert.ok(remote, 'the manifest is stored under its tag');
    assert.is(sha256(remote.bytes), pushed.digest);
    const back = await pull(k.other, `${k.reg.host}/team/dst:2`, k.opts);
    assert.is(back.image.id, image.config.digest);
  } finally {
    await k.done();
  }
});

test('push mounts a blob the registry has in another repository instead of uploading it', async () => {
  const k = await kit();
  try {
    const image = await makeTestImage(2);
    serve(k.reg, 'a', '1', image);
    await pull(k.images, `${k.reg.host}/a:1`, k.opts);
    const before = k.reg.requests.length;
    await push(k.images, `${k.reg.host}/a:1`, `${k.reg.host}/b:1`, k.opts);
    const seen = k.reg.requests.slice(before);
    const mounts = seen.filter((r) => r.method === 'POST' && r.query.includes('mount='));
    assert.is(mounts.length, 2, 'each layer is mounted from a');
    const blobPuts = seen.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'));
    assert.is(blobPuts.length, 1, 'only the config is uploaded');
    for (const l of image.layers) assert.ok(k.reg.blob('b', l.digest), `layer ${l.digest} is in b`);
  } finally {
    await k.done();
  }
});

test('a registry that refuses monolithic uploads gets chunked ones', async () => {
  const k = await kit();
  // A second registry, so that nothing can be mounted from the one pulled from.
  const target = await startFakeRegistry({ refuseMonolithic: true });
  try {
    const image = await makeTestImage(1, 100_000);
    serve(k.reg, 'src', '1', image);
    await pull(k.images, `${k.reg.host}/src:1`, k.opts);
    await push(k.images, `${k.reg.host}/src:1`, `${target.host}/chunky:1`, { ...k.opts, chunkSize: 16 * 1024 });
    const patches = target.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/v2/chunky/'));
    assert.ok(patches.length >= 6, `a PATCH per 16 KiB of the ~100 KB layer (got ${patches.length})`);
    const remote = target.manifest('chunky', '1');
    assert.ok(remote);
    // The layer is pushed in the gzip form kiln makes of it (the pulled one is not kept): every blob the manifest names is whole.
    const m = JSON.parse(remote.bytes.toString()) as { layers: { digest: string; size: number }[] };
    for (const l of m.layers) assert.is(sha256(target.blob('chunky', l.digest) ?? Buffer.alloc(0)), l.digest);
  } finally {
    await target.stop();
    await k.done();
  }
});

test('a registry without chunked uploads gets monolithic ones only', async () => {
  const k = await kit({ refuseChunked: true });
  try {
    const image = await makeTestImage(1);
    serve(k.reg, 'src', '1', image);
    await pull(k.images, `${k.reg.host}/src:1`, k.opts);
    await push(k.images, `${k.reg.host}/src:1`, `${k.reg.host}/mono:1`, k.opts);
    assert.is(k.reg.requests.filter((r) => r.method === 'PATCH').length, 0);
    assert.ok(k.reg.manifest('mono', '1'));
  } finally {
    await k.done();
  }
});

test('bearer auth: a token per scope from the realm, with the given credentials', async () => {
  const k = await kit({ auth: { kind: 'bearer', user: 'ci', password: 's3cret' } });
  try {
    const image = await makeTestImage(1);
    serve(k.reg, 'priv/app', '1', image);
    const denied = await failure(pull(k.images, `${k.reg.host}/priv/app:1`, k.opts));
    assert.instance(denied, RegistryError);
    assert.match(denied.message, /kiln login/);
    const opts = { ...k.opts, credentials: { username: 'ci', password: 's3cret' } };
    await pull(k.images, `${k.reg.host}/priv/app:1`, opts);
    assert.ok(k.reg.tokens.some((t) => t.scopes.includes('repository:priv/app:pull')), JSON.stringify(k.reg.tokens));
    await push(k.images, `${k.reg.host}/priv/app:1`, `${k.reg.host}/priv/copy:1`, opts);
    assert.ok(k.reg.tokens.some((t) => t.scopes.includes('repository:priv/copy:pull,push')), JSON.stringify(k.reg.tokens));
    assert.ok(k.reg.manifest('priv/copy', '1'));
    const wrong = await failure(pull(k.other, `${k.reg.host}/priv/app:1`, { ...k.opts, credentials: { username: 'ci', password: 'nope' } }));
    assert.instance(wrong, RegistryError);
  } finally {
    await k.done();
  }
});

test('basic auth: credentials from the docker config are sent', async () => {
  const k = await kit({ auth: { kind: 'basic', user: 'u', password: 'p' } });
  try {
    const image = await makeTestImage(1);
    serve(k.reg, 'x', '1', image);
    const { storeCredentials } = await import('./credentials.js');
    await storeCredentials(k.reg.host, { username: 'u', password: 'p' }, k.opts.env);
    await pull(k.images, `${k.reg.host}/x:1`, k.opts);
    assert.ok(k.reg.requests.some((r) => r.auth === 'Basic'));
  } finally {
    await k.done();
  }
});

test('transient 503s are retried; a missing manifest is a clear not-found', async () => {
  const k = await kit();
  try {
    const image = await makeTestImage(1);
    serve(k.reg, 'flaky', '1', image);
    k.reg.failNext('/manifests/', 503, 2);
    const retries: number[] = [];
    await pull(k.images, `${k.reg.host}/flaky:1`, { ...k.opts, onRetry: (_w, attempt) => retries.push(attempt) });
    assert.equal(retries, [1, 2]);
    const missing = await failure(pull(k.images, `${k.reg.host}/flaky:nope`, k.opts));
    assert.instance(missing, RegistryError);
    assert.match(missing.message, /flaky:nope/);
    assert.is((missing as RegistryError).status, 404);
    k.reg.failNext('/manifests/', 503, 10);
    const down = await failure(pull(k.images, `${k.reg.host}/flaky:1`, k.opts));
    assert.instance(down, RegistryError);
    assert.match(down.message, /503/);
  } finally {
    await k.done();
  }
});

test('a blob whose content does not match its digest fails the pull and tags nothing', async () => {
  const k = await kit();
  try {
    const image = await makeTestImage(1);
    serve(k.reg, 'bad', '1', image);
    const layer = image.layers[0];
    assert.ok(layer);
    // The registry now answers other bytes of the same size for the layer's digest.
    const forged = Buffer.concat([gzipSync(await makeTar([{ name: 'evil', body: 'x' }])), Buffer.alloc(layer.size)]).subarray(0, layer.size);
    k.reg.tamper('bad', layer.digest, forged);
    const err = await failure(pull(k.images, `${k.reg.host}/bad:1`, k.opts));
    assert.match(err.message, /digest/i);
    const listed = await k.images.list();
    assert.is(listed.length, 0, 'nothing is tagged');
  } finally {
    await k.done();
  }
});

test('an index: the host platform is chosen; a platform the index lacks is named in the error', async () => {
  const k = await kit();
  try {
    const amd = await makeTestImage(1);
    serve(k.reg, 'multi', 'amd', amd);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.index,
        manifests: [{ mediaType: MediaType.manifest, digest: amd.manifest.digest, size: amd.manifest.size, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    k.reg.putManifest('multi', 'latest', index, MediaType.index);
    const r = await pull(k.images, `${k.reg.host}/multi`, { ...k.opts, platform: { os: 'linux', architecture: 'amd64' } });
    assert.is(r.image.id, amd.config.digest);
    assert.is(r.digest, sha256(index));
    const err = await failure(pull(k.other, `${k.reg.host}/multi`, { ...k.opts, platform: { os: 'linux', architecture: 'riscv64' } }));
    assert.match(err.message, /riscv64/);
  } finally {
    await k.done();
  }
});

test('layers recorded at once are all remembered (no lost update between concurrent first reads)', async () => {
  const { CompressedMap } = await import('./compressed-map.js');
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-cmap-'));
  try {
    const map = new CompressedMap(dir);
    const blobs = Array.from({ length: 8 }, (_, i) => ({ digest: sha256(`gz${i}`), size: i, mediaType: MediaType.layerGzip }));
    await Promise.all(blobs.map((b, i) => map.record(sha256(`tar${i}`), b, `r/${i}`)));
    const fresh = new CompressedMap(dir);
    for (const [i, b] of blobs.entries()) assert.equal(await fresh.sources(b.digest), [`r/${i}`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
