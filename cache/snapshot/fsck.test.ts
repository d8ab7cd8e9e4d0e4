// Snapshot table vs directories, as `kiln check` sees them.
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NativeSnapshotter, removeOrphanDir, scanSnapshots, withDescendants, type SnapshotInfo } from './index.js';
import { withTempDir } from './test-support.js';

const test = suite('snapshot fsck');

/** base ← mid ← top, and base ← side; returns the store and its dir. */
async function chain(tmp: string): Promise<{ sn: NativeSnapshotter; dir: string }> {
  const dir = join(tmp, 's');
  const sn = new NativeSnapshotter(dir);
  let parent: string | undefined;
  for (const key of ['base', 'mid', 'top']) {
    await sn.prepare(`a-${key}`, parent);
    await sn.commit(key, `a-${key}`);
    parent = key;
  }
  await sn.prepare('a-side', 'base');
  await sn.commit('side', 'a-side');
  return { sn, dir };
}

const table = async (dir: string): Promise<Record<string, { id: string; parent?: string }>> =>
  (JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { snapshots: Record<string, { id: string; parent?: string }> }).snapshots;

test('a consistent table has no problems', () =>
  withTempDir(async (tmp) => {
    const { dir } = await chain(tmp);
    const scan = await scanSnapshots(dir);
    assert.equal(scan.problems, []);
    assert.equal(scan.infos.map((i) => i.key).sort(), ['base', 'mid', 'side', 'top']);
  }));

test('a layer directory removed by hand, a dangling parent and an orphan directory are each reported', () =>
  withTempDir(async (tmp) => {
    const { dir } = await chain(tmp);
    const t = await table(dir);
    await rm(join(dir, 'l', t.mid?.id ?? 'x'), { recursive: true });
    const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { snapshots: Record<string, unknown> };
    meta.snapshots.lost = { id: 'lostlost', kind: 'committed', parent: 'gone', labels: {}, createdAt: 1 };
    await mkdir(join(dir, 'l', 'lostlost', 'fs'), { recursive: true });
    await writeFile(join(dir, 'metadata.json'), JSON.stringify(meta));
    await mkdir(join(dir, 'l', 'orphanxx', 'fs'), { recursive: true });
    const scan = await scanSnapshots(dir);
    assert.equal(
      scan.problems.map((p) => (p.kind === 'orphan-dir' ? `${p.kind} ${p.dir}` : `${p.kind} ${p.key}`)).sort(),
      ['missing-dir mid', 'missing-parent lost', `orphan-dir ${join(dir, 'l', 'orphanxx')}`].sort(),
    );
  }));

test('an orphan directory changed after the oldest other session started is left out (another kiln may be making it)', () =>
  withTempDir(async (tmp) => {
    const { dir } = await chain(tmp);
    const old = join(dir, 'l', 'oldoldxx');
    const young = join(dir, 'l', 'youngxxx');
    await mkdir(old);
    await mkdir(young);
    await utimes(old, new Date(1000), new Date(1000));
    const scan = await scanSnapshots(dir, { keepNewerThan: Date.now() - 60_000 });
    assert.equal(scan.problems, [{ kind: 'orphan-dir', dir: old }]);
  }));

test('withDescendants lists what is built on a snapshot, children first, and Snapshotter.remove accepts that order', () =>
  withTempDir(async (tmp) => {
    const { sn } = await chain(tmp);
    const infos: SnapshotInfo[] = [];
    await sn.walk((i) => {
      infos.push(i);
    });
    const doomed = withDescendants(infos, ['mid']);
    assert.equal(doomed, ['top', 'mid']);
    const all = withDescendants(infos, ['base', 'not-a-snapshot']);
    assert.is(all.at(-1), 'base');
    assert.equal([...all].sort(), ['base', 'mid', 'side', 'top']);
    for (const k of all) await sn.remove(k);
    let left = 0;
    await sn.walk(() => {
      left++;
    });
    assert.is(left, 0);
  }));

test('hostile table: an id naming a path outside l/ is reported and never looked at or removed', () =>
  withTempDir(async (tmp) => {
    const { dir } = await chain(tmp);
    const victim = join(tmp, 'victim');
    await mkdir(join(victim, 'fs'), { recursive: true });
    await writeFile(join(victim, 'fs', 'keep'), 'precious');
    const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { snapshots: Record<string, unknown> };
    meta.snapshots.evil = { id: '../../victim', kind: 'committed', labels: {}, createdAt: 1 };
    await writeFile(join(dir, 'metadata.json'), JSON.stringify(meta));
    const scan = await scanSnapshots(dir);
    assert.equal(scan.problems, [{ kind: 'bad-id', key: 'evil', id: '../../victim' }]);
    assert.is(await readFile(join(victim, 'fs', 'keep'), 'utf8'), 'precious');
  }));

test('removeOrphanDir leaves a directory with something mounted under it alone', () =>
  withTempDir(async (tmp) => {
    const d = join(tmp, 'orphan');
    await mkdir(join(d, 'fs'), { recursive: true });
    assert.is(await removeOrphanDir(d, async (p) => (p === d ? [join(d, 'fs')] : [])), false);
    assert.ok((await stat(d)).isDirectory());
    assert.is(await removeOrphanDir(d, async () => []), true);
    assert.is(await stat(d).catch(() => undefined), undefined);
  }));

test.run();
