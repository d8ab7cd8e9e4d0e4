/**
 * The conformance suite every {@link Snapshotter} (and every fake) runs: the
 * lifecycle rules of types.ts, and with `mountable` (as root) real mounts
 * through executor/mount.ts. Returns the uvu suite; the caller `.run()`s it.
 */
import { mkdir, readdir, readFile, stat, writeFile, link } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { addMountTests } from './testsuite-mounts.js';
import { rejects, withTempDir } from './test-support.js';
import type { Snapshotter } from './types.js';
import { rootReady } from '../../util/test-e2e.js';

/** Makes a snapshotter storing its data in `dir` (which may not exist yet). */
export type SnapshotterFactory = (dir: string) => Snapshotter | Promise<Snapshotter>;

/** Options for {@link snapshotterSuite}. */
export interface SuiteOptions {
  /** Also mount snapshots and check their contents (skipped unless root). */
  readonly mountable?: boolean;
}

/** Runs `fn` with a fresh snapshotter in a `kiln-test-` temp dir, cleaned up after. */
export type WithSnapshotter = (fn: (sn: Snapshotter, tmp: string, dir: string) => Promise<void>) => Promise<void>;

/** Builds the conformance suite for one implementation. */
export function snapshotterSuite(name: string, factory: SnapshotterFactory, options: SuiteOptions = {}): Test {
  const test = suite(`snapshotter conformance: ${name}`);
  const withSn: WithSnapshotter = (fn) =>
    withTempDir(async (tmp) => {
      const dir = join(tmp, 'snapshots');
      await fn(await factory(dir), tmp, dir);
    });
  addLifecycleTests(test, withSn, factory);
  addErrorTests(test, withSn);
  if (options.mountable === true && rootReady(`snapshotter conformance: ${name}: mount tests`)) addMountTests(test, withSn);
  return test;
}

function addLifecycleTests(test: Test, withSn: WithSnapshotter, factory: SnapshotterFactory): void {
  test('prepare creates an active snapshot with an empty, absolute layer dir', () =>
    withSn(async (sn) => {
      const before = Date.now();
      const mounts = await sn.prepare('a', undefined, { labels: { step: '1' } });
      assert.ok(mounts.length > 0, 'prepare returns mounts');
      assert.equal(await sn.mounts('a'), mounts);
      const info = await sn.stat('a');
      assert.equal({ ...info, createdAt: 0 }, { key: 'a', kind: 'active', parent: undefined, labels: { step: '1' }, createdAt: 0 });
      assert.ok(info.createdAt >= before && info.createdAt <= Date.now(), 'createdAt is now');
      const dir = await sn.layerDir('a');
      assert.ok(isAbsolute(dir), dir);
      assert.equal(await readdir(dir), []);
    }));

  test('commit turns the active key into a committed name that keeps its files', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      await writeFile(join(await sn.layerDir('a'), 'hello'), 'world');
      await sn.commit('base', 'a');
      await rejects(sn.stat('a'), NotFoundError, '"a"');
      const info = await sn.stat('base');
      assert.is(info.kind, 'committed');
      assert.is(await readFile(join(await sn.layerDir('base'), 'hello'), 'utf8'), 'world');
    }));

  test('prepare and view on a committed parent record the parent', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      await sn.commit('base', 'a');
      await sn.prepare('child', 'base');
      await sn.view('look', 'base', { labels: { why: 'ro' } });
      assert.is((await sn.stat('child')).parent, 'base');
      const look = await sn.stat('look');
      assert.equal([look.kind, look.parent, look.labels], ['view', 'base', { why: 'ro' }]);
    }));

  test('commit labels replace the active labels; without labels they carry over', () =>
    withSn(async (sn) => {
      await sn.prepare('a', undefined, { labels: { x: '1' } });
      await sn.commit('kept', 'a');
      assert.equal((await sn.stat('kept')).labels, { x: '1' });
      await sn.prepare('b', undefined, { labels: { x: '1' } });
      await sn.commit('replaced', 'b', { labels: { y: '2' } });
      assert.equal((await sn.stat('replaced')).labels, { y: '2' });
    }));

  test('stat returns copies: mutating labels does not change the store', () =>
    withSn(async (sn) => {
      const labels = { x: '1' };
      await sn.prepare('a', undefined, { labels });
      labels.x = 'changed';
      const info = await sn.stat('a');
      (info.labels as Record<string, string>).x = 'mutated';
      assert.equal((await sn.stat('a')).labels, { x: '1' });
    }));

  test('walk visits every snapshot once, sorted by key', () =>
    withSn(async (sn) => {
      await sn.prepare('p');
      await sn.commit('base', 'p');
      await sn.prepare('b-active', 'base');
      await sn.view('a-view', 'base');
      const seen: string[] = [];
      await sn.walk((info) => {
        seen.push(`${info.key}:${info.kind}:${info.parent ?? '-'}`);
      });
      assert.equal(seen, ['a-view:view:base', 'b-active:active:base', 'base:committed:-']);
    }));

  test('remove deletes an active snapshot and its directory', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      const dir = await sn.layerDir('a');
      await sn.remove('a');
      await rejects(sn.stat('a'), NotFoundError, '"a"');
      await rejects(stat(dir), Error, 'ENOENT');
    }));

  test('a parent with children cannot be removed until they are', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      await sn.commit('base', 'a');
      await sn.prepare('child', 'base');
      await sn.view('look', 'base');
      await rejects(sn.remove('base'), FailedPreconditionError, '"base"');
      await sn.remove('child');
      await sn.remove('look');
      await sn.remove('base');
      await rejects(sn.stat('base'), NotFoundError, '"base"');
    }));

  test('usage counts bytes of regular files and distinct inodes of the layer', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      const dir = await sn.layerDir('a');
      await writeFile(join(dir, 'five'), '12345');
      await mkdir(join(dir, 'd'));
      await writeFile(join(dir, 'd', 'three'), 'abc');
      await link(join(dir, 'd', 'three'), join(dir, 'd', 'same'));
      assert.equal(await sn.usage('a'), { size: 8, inodes: 3 });
      await sn.commit('c', 'a');
      assert.equal(await sn.usage('c'), { size: 8, inodes: 3 });
    }));

  test('the table persists: a second instance on the same dir sees it', () =>
    withSn(async (sn, _tmp, dir) => {
      await sn.prepare('a', undefined, { labels: { k: 'v' } });
      await sn.commit('base', 'a');
      await sn.prepare('child', 'base');
      const other = await factory(dir);
      assert.equal(await other.stat('base'), await sn.stat('base'));
      assert.is((await other.stat('child')).parent, 'base');
    }));

  test('two instances on one dir can create snapshots concurrently', () =>
    withSn(async (sn, _tmp, dir) => {
      const other = await factory(dir);
      const keys = Array.from({ length: 16 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k, i) => (i % 2 === 0 ? sn : other).prepare(k)));
      const seen: string[] = [];
      await other.walk((info) => void seen.push(info.key));
      assert.equal(seen, keys);
    }));

  test('a stale lock left by a dead process is taken over', () =>
    withSn(async (sn, _tmp, dir) => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'metadata.lock'), '999999999:1');
      await sn.prepare('a');
      assert.is((await sn.stat('a')).kind, 'active');
      assert.equal((await readdir(dir)).includes('metadata.lock'), false);
    }));
}

function addErrorTests(test: Test, withSn: WithSnapshotter): void {
  test('missing keys are NotFoundError naming the key', () =>
    withSn(async (sn) => {
      const ops: ((key: string) => Promise<unknown>)[] = [
        (k) => sn.stat(k),
        (k) => sn.mounts(k),
        (k) => sn.remove(k),
        (k) => sn.usage(k),
        (k) => sn.layerDir(k),
      ];
      for (const op of ops) await rejects(op('nope'), NotFoundError, '"nope"');
      await rejects(sn.commit('x', 'nope'), NotFoundError, '"nope"');
      await rejects(sn.prepare('x', 'nope'), NotFoundError, '"nope"');
      await rejects(sn.view('x', 'nope'), NotFoundError, '"nope"');
    }));

  test('duplicate keys and names are AlreadyExistsError, and nothing changes', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      await sn.prepare('b');
      await sn.commit('base', 'b');
      await rejects(sn.prepare('a'), AlreadyExistsError, '"a"');
      await rejects(sn.view('base'), AlreadyExistsError, '"base"');
      await rejects(sn.commit('base', 'a'), AlreadyExistsError, '"base"');
      assert.is((await sn.stat('a')).kind, 'active');
    }));

  test('only active snapshots can be committed', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      await sn.commit('base', 'a');
      await sn.view('v', 'base');
      await rejects(sn.commit('x', 'v'), FailedPreconditionError, '"v"');
      await rejects(sn.commit('x', 'base'), FailedPreconditionError, '"base"');
      assert.is((await sn.stat('v')).kind, 'view');
    }));

  test('a parent must be committed', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      await sn.view('v');
      await rejects(sn.prepare('x', 'a'), FailedPreconditionError, '"a"');
      await rejects(sn.view('y', 'v'), FailedPreconditionError, '"v"');
      await rejects(sn.stat('x'), NotFoundError, '"x"');
    }));

  test('mounts of a committed snapshot is FailedPreconditionError', () =>
    withSn(async (sn) => {
      await sn.prepare('a');
      await sn.commit('base', 'a');
      await rejects(sn.mounts('base'), FailedPreconditionError, '"base"');
    }));

  test('empty keys are InvalidArgumentError', () =>
    withSn(async (sn) => {
      await rejects(sn.prepare(''), InvalidArgumentError, 'key');
      await rejects(sn.stat(''), InvalidArgumentError, 'key');
      await sn.prepare('a');
      await rejects(sn.commit('', 'a'), InvalidArgumentError, 'name');
    }));

  test('keys are names, not paths: slashes and dots are fine', () =>
    withSn(async (sn, tmp) => {
      await sn.prepare('../../escape');
      await sn.commit('sha256:abc/../..', '../../escape');
      assert.is((await sn.stat('sha256:abc/../..')).kind, 'committed');
      assert.ok((await sn.layerDir('sha256:abc/../..')).startsWith(tmp), 'layer dir stays inside the store');
    }));
}
