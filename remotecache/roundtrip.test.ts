// Export on one root, import on another (copy-based snapshotter, no mounts): records, snapshots,
// layer labels and step times arrive; mode=min keeps only the final chain; re-imports add nothing.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from '../cache/content/index.js';
import { NativeSnapshotter } from '../cache/snapshot/index.js';
import { STEP_LABELS } from '../cache/index.js';
import { createDiffStream } from '../store/layer/index.js';
import { ImageStore, type Mounter } from '../store/index.js';
import { sha256 as digestOf } from '../util/digest.js';
import type { CacheKey } from '../solver/index.js';

const sha256 = (s: string): CacheKey => digestOf(s) as CacheKey;
import { cacheManifest, encodeCacheConfig, type CacheConfig } from './format.js';
import { writeCacheLayout } from './layout.js';
import { exportCache, importCache, type CacheEnv, type StepIndex, type StepRecord } from './index.js';

const t = suite('cache export/import round trip');
let tmp = '';
const noMounts: Mounter = {
  mountAll: () => Promise.reject(new Error('the copy-based snapshotter needs no mounts')),
  unmount: () => Promise.reject(new Error('nothing is mounted')),
};

async function makeEnv(name: string): Promise<CacheEnv> {
  const dir = join(tmp, name);
  const content = new LocalContentStore(join(dir, 'content'));
  return { content, snapshotter: new NativeSnapshotter(join(dir, 'snapshots')), images: await ImageStore.open(join(dir, 'oci'), content), mounter: noMounts, tmpDir: tmp };
}

class MapIndex implements StepIndex {
  readonly map = new Map<string, StepRecord>();
  async get(key: string): Promise<StepRecord | undefined> {
    return this.map.get(key);
  }
  async set(r: StepRecord): Promise<void> {
    this.map.set(r.key, r);
  }
}

/** Commits a step snapshot `key` on `parent` that adds `file`, as layer-commit does (labels, layer blob). */
async function step(env: CacheEnv, key: string, parent: string | undefined, file: string): Promise<void> {
  const sn = env.snapshotter;
  await sn.prepare(`active-${key}`, parent);
  const upper = await sn.layerDir(`active-${key}`);
  await writeFile(join(upper, file), `${file}\n`);
  const lower = parent === undefined ? await mkdtemp(join(tmp, 'empty-')) : await sn.layerDir(parent);
  const d = createDiffStream({ lower, upper });
  const info = await env.content.writeStream(d.stream);
  const done = await d.done;
  await sn.commit(key, `active-${key}`, { labels: { 'kiln.layer.diffid': done.diffID, 'kiln.layer.size': String(info.size) } });
}

t.before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiln-test-cache-rt-'));
});
t.after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

t('mode=max travels every used record; the importer rebuilds the chain with the original step times', async () => {
  const a = await makeEnv('a');
  await step(a, 'step-one', undefined, 'one');
  await step(a, 'step-two', 'step-one', 'two');
  await step(a, 'step-side', undefined, 'side');
  const local = new MapIndex();
  const recs: StepRecord[] = [
    { key: sha256('k1'), results: ['step-one'], createdAt: 11 },
    { key: sha256('k2'), results: ['step-two'], createdAt: 12 },
    { key: sha256('k3'), results: ['step-side'], createdAt: 13 },
  ];
  for (const r of recs) await local.set(r);

  const dest = join(tmp, 'cache-max');
  const out = await exportCache(a, { type: 'local', dest, mode: 'max' }, { records: recs, top: 'step-two' });
  assert.is(out.records, 3);
  assert.is(out.layers, 3);
  assert.equal((await readdir(dest)).sort(), ['blobs', 'index.json', 'oci-layout']);

  const b = await makeEnv('b');
  const index = new MapIndex();
  assert.equal(await importCache(b, { type: 'local', src: dest }, index), { imported: 3, present: 0, skipped: 0 });
  const two = index.map.get(sha256('k2'));
  assert.is(two?.createdAt, 12);
  const top = two?.results[0] ?? '';
  assert.match(top, /^step-[a-f0-9]{16}$/);
  const info = await b.snapshotter.stat(top);
  assert.is(info.labels[STEP_LABELS.created], String((await a.snapshotter.stat('step-two')).createdAt));
  assert.is(info.labels['kiln.layer.diffid'], (await a.snapshotter.stat('step-two')).labels['kiln.layer.diffid']);
  assert.is(info.parent, index.map.get(sha256('k1'))?.results[0]);
  const dir = await b.snapshotter.layerDir(top);
  assert.is(await readFile(join(dir, 'one'), 'utf8'), 'one\n');
  assert.is(await readFile(join(dir, 'two'), 'utf8'), 'two\n');
  assert.ok(await b.content.has(info.labels['kiln.layer.diffid'] as never), 'the layer blob is in the content store');

  // Importing again finds everything present and creates no new snapshot.
  const before: string[] = [];
  await b.snapshotter.walk((s) => void before.push(s.key));
  assert.equal(await importCache(b, { type: 'local', src: dest }, index), { imported: 0, present: 3, skipped: 0 });
  const fresh = new MapIndex();
  assert.equal(await importCache(b, { type: 'local', src: dest }, fresh), { imported: 3, present: 0, skipped: 0 });
  const after: string[] = [];
  await b.snapshotter.walk((s) => void after.push(s.key));
  assert.equal(after.sort(), before.sort(), 'snapshot keys are derived, so a second import reuses them');
});

t('mode=min keeps only the final chain, and a re-export keeps the older blobs', async () => {
  const a = await makeEnv('a');
  const recs: StepRecord[] = [
    { key: sha256('k1'), results: ['step-one'], createdAt: 11 },
    { key: sha256('k2'), results: ['step-two'], createdAt: 12 },
    { key: sha256('k3'), results: ['step-side'], createdAt: 13 },
  ];
  const dest = join(tmp, 'cache-max'); // written by the previous test
  const blobsBefore = await readdir(join(dest, 'blobs', 'sha256'));
  const out = await exportCache(a, { type: 'local', dest, mode: 'min' }, { records: recs, top: 'step-two' });
  assert.is(out.records, 2);
  assert.is(out.layers, 2);
  const blobsAfter = await readdir(join(dest, 'blobs', 'sha256'));
  for (const b of blobsBefore) assert.ok(blobsAfter.includes(b), `blob ${b} kept`);
  const c = await makeEnv('c');
  const index = new MapIndex();
  assert.equal(await importCache(c, { type: 'local', src: dest }, index), { imported: 2, present: 0, skipped: 0 });
  assert.equal([...index.map.keys()].sort(), [sha256('k1'), sha256('k2')].sort());
});

t('a missing source imports nothing; a record whose base image is absent is skipped', async () => {
  const c = await makeEnv('c');
  assert.equal(await importCache(c, { type: 'local', src: join(tmp, 'nowhere') }, new MapIndex()), { imported: 0, present: 0, skipped: 0 });
  const a = await makeEnv('a');
  // A chain-ID snapshot that no local image explains cannot be exported.
  await a.snapshotter.prepare('x', undefined);
  await a.snapshotter.commit(sha256('layer'), 'x');
  const out = await exportCache(a, { type: 'local', dest: join(tmp, 'cache-base'), mode: 'max' }, { records: [{ key: sha256('kb'), results: [sha256('layer')], createdAt: 1 }], top: undefined });
  assert.is(out.records, 0);
  // On import, a base that no local image has leaves its records to the build.
  const diffIDs = [sha256('absent-layer')];
  const config: CacheConfig = { version: 1, steps: [], records: [{ key: sha256('kb'), results: [{ kind: 'base', chainID: diffIDs[0]!, diffIDs }], createdAt: 1 }] };
  const text = encodeCacheConfig(config);
  const src = join(tmp, 'cache-absent-base');
  await writeCacheLayout(src, text, cacheManifest(config, text), []);
  const index = new MapIndex();
  assert.equal(await importCache(c, { type: 'local', src }, index), { imported: 0, present: 0, skipped: 1 });
  assert.is(index.map.size, 0);
});

t.run();
