// kiln check's scan and repair over a root made in a temp dir (copy-based
// snapshotter, no runtime): what each kind of damage is reported as, and what
// repair removes with it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from '../cache/content/index.js';
import { NativeSnapshotter } from '../cache/snapshot/index.js';
import { JsonFileCacheStore, type CacheKey } from '../solver/index.js';
import { ImageStore, importRootfs, layoutDir, type ImageRecord } from '../store/index.js';
import { makeTar } from '../store/image/testing.js';
import { sha256, type Digest } from '../util/digest.js';
import { flipByte } from '../util/test-damage.js';
import { repairRoot } from './check-repair.js';
import { hashBlobs, scanRoot, type CheckReport, type CheckTarget, type Finding } from './check-scan.js';
import { describeFinding, describeRemoval } from './commands/check.js';

const test = suite('kiln check: scan and repair');

interface Root extends CheckTarget {
  readonly dir: string;
  readonly snapshotter: NativeSnapshotter;
  readonly content: LocalContentStore;
}

let tmp = '';
let n = 0;
test.before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiln-test-check-'));
});
test.after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function openRoot(): Promise<Root> {
  const dir = join(tmp, `root-${++n}`);
  const content = new LocalContentStore(layoutDir(dir));
  const snapshotDir = join(dir, 'snapshots', 'native');
  return {
    dir,
    content,
    images: await ImageStore.open(layoutDir(dir), content),
    snapshotDir,
    snapshotter: new NativeSnapshotter(snapshotDir),
    steps: new JsonFileCacheStore(join(dir, 'cache', 'steps'), async () => undefined),
    keepNewerThan: undefined,
  };
}

async function image(r: Root, name: string, body: string): Promise<{ image: ImageRecord; layer: Digest }> {
  const tar = await makeTar([{ name: 'f', body }]);
  const image = await importRootfs(r.images, Readable.from([tar]), { name, sourceLabel: 'test' });
  const layer = (await r.images.manifest(image)).layers[0]?.digest;
  if (layer === undefined) throw new Error('no layer');
  return { image, layer };
}

/** A build step: snapshot `key` (on `parent`) naming `layer`, and a cache record for it. */
async function step(r: Root, key: string, parent: string | undefined, layer: Digest | undefined): Promise<CacheKey> {
  await r.snapshotter.prepare(`run-${key}`, parent);
  await r.snapshotter.commit(key, `run-${key}`, { labels: layer === undefined ? {} : { 'kiln.layer.diffid': layer } });
  const rec = sha256(`record ${key}`) as CacheKey;
  await r.steps.set({ key: rec, results: [key], createdAt: 1 });
  return rec;
}

const lines = (fs: readonly Finding[]): string[] => fs.map(describeFinding);
const scan = async (r: Root): Promise<CheckReport> => scanRoot(r, await hashBlobs(r.content));

test('a clean root has no findings', async () => {
  const r = await openRoot();
  const { layer } = await image(r, 'app:1', 'a');
  await step(r, 'step-a', undefined, layer);
  assert.equal((await scan(r)).findings, []);
});

test('a damaged layer: the blob, the image and the build records through it are reported; repair removes them and a rescan is clean', async () => {
  const r = await openRoot();
  const bad = await image(r, 'bad:1', 'bad');
  await image(r, 'good:1', 'good');
  const own = await step(r, 'step-bad', undefined, bad.layer);
  const child = await step(r, 'step-child', 'step-bad', undefined);
  const unrelated = await step(r, 'step-other', undefined, undefined);
  await flipByte(r.content.path(bad.layer), 700);
  const report = await scan(r);
  const out = lines(report.findings);
  assert.is(out.length, 4, out.join('\n'));
  assert.match(out[0] ?? '', new RegExp(`^blob ${bad.layer}: damaged, its content hashes to sha256:[a-f0-9]{64}$`));
  assert.ok(out.includes(`image bad:1: layer ${bad.layer} is damaged`), out.join('\n'));
  assert.ok(out.includes(`build cache record ${own}: layer ${bad.layer} of snapshot "step-bad" is damaged`), out.join('\n'));
  assert.ok(out.includes(`build cache record ${child}: layer ${bad.layer} of snapshot "step-bad" is damaged`), out.join('\n'));

  const result = await repairRoot(r, report);
  assert.equal(result.failed, []);
  assert.equal(result.removed.map(describeRemoval).sort(), [
    'removed image name bad:1',
    `removed build cache record ${own}`,
    `removed build cache record ${child}`,
    `removed blob ${bad.layer}`,
  ].sort());
  assert.equal((await scan(r)).findings, []);
  assert.equal((await r.images.list()).flatMap((i) => i.names), ['docker.io/library/good:1']);
  assert.ok((await r.steps.get(unrelated)) !== undefined, 'an unrelated record stays');
  assert.is(await r.content.has(bad.layer), false);
});

test('a missing config blob drops only that image; a missing step snapshot drops its records', async () => {
  const r = await openRoot();
  const a = await image(r, 'a:1', 'a');
  await image(r, 'b:1', 'b');
  await r.content.delete(a.image.id);
  const rec = sha256('record for a gone snapshot') as CacheKey;
  await r.steps.set({ key: rec, results: ['', 'step-gone'], createdAt: 1 });
  const report = await scan(r);
  assert.equal(lines(report.findings), [`image a:1: config ${a.image.id} is missing`, `build cache record ${rec}: snapshot "step-gone" is missing`]);
  const result = await repairRoot(r, report);
  assert.equal(result.removed.map(describeRemoval), ['removed image name a:1', `removed build cache record ${rec}`]);
  assert.equal((await scan(r)).findings, []);
  assert.equal((await r.images.list()).flatMap((i) => i.names), ['docker.io/library/b:1']);
});

test('a snapshot directory removed by hand: it and what is built on it go, with their records; an image layer snapshot is said to come back', async () => {
  const r = await openRoot();
  const { image: img } = await image(r, 'base:1', 'base');
  const chain = (await r.images.config(img)).rootfs.diff_ids[0] as Digest; // one layer: chain ID = diffID
  await r.snapshotter.prepare('extract', undefined);
  await r.snapshotter.commit(chain, 'extract');
  const rec = await step(r, 'step-on-base', chain, undefined);
  const meta = JSON.parse(await readFile(join(r.snapshotDir, 'metadata.json'), 'utf8')) as { snapshots: Record<string, { id: string }> };
  await rm(join(r.snapshotDir, 'l', meta.snapshots[chain]?.id ?? 'x'), { recursive: true });
  const report = await scan(r);
  const out = lines(report.findings);
  assert.match(out[0] ?? '', new RegExp(`^snapshot "${chain}" \\(layer 1 of image base:1\\): missing \\(its directory .* is gone\\), will be re-created from the image's blobs$`));
  assert.equal(out.slice(1), [`build cache record ${rec}: snapshot "step-on-base" is built on a damaged snapshot`]);
  const result = await repairRoot(r, report);
  assert.equal(result.removed.map(describeRemoval), [
    `removed build cache record ${rec}`,
    'removed snapshot "step-on-base"',
    `removed snapshot "${chain}" (layer 1 of image base:1; re-created from its blobs when next used)`,
  ]);
  assert.equal((await scan(r)).findings, []);
  assert.equal((await r.images.list()).flatMap((i) => i.names), ['docker.io/library/base:1'], 'the image stays');
});

test('hostile snapshot table: an entry whose id leads outside is reported, repair refuses it and deletes nothing outside', async () => {
  const r = await openRoot();
  await step(r, 'step-x', undefined, undefined);
  const victim = join(tmp, 'victim');
  await mkdir(victim, { recursive: true });
  await writeFile(join(victim, 'keep'), 'precious');
  const metaPath = join(r.snapshotDir, 'metadata.json');
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { snapshots: Record<string, unknown> };
  meta.snapshots.evil = { id: '../../../../victim', kind: 'committed', labels: {}, createdAt: 1 };
  await writeFile(metaPath, JSON.stringify(meta));
  const report = await scan(r);
  assert.equal(lines(report.findings), ['snapshot "evil": its directory id "../../../../victim" is not a snapshot directory name (repair leaves it alone)']);
  const result = await repairRoot(r, report);
  assert.equal(result.removed, []);
  assert.equal(result.failed.map((f) => f.what), ['snapshot "evil"']);
  assert.is(await readFile(join(victim, 'keep'), 'utf8'), 'precious');
});

test.run();
