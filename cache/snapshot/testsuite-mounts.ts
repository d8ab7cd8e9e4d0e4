/**
 * The mounting half of the snapshotter conformance suite: snapshots are
 * mounted for real through executor/mount.ts (root only) and their contents
 * checked the way a RUN step would see them.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { withMount } from './test-support.js';
import type { WithSnapshotter } from './testsuite.js';
import type { Snapshotter } from './types.js';

/** Adds the mount tests to `test`. */
export function addMountTests(test: Test, withSn: WithSnapshotter): void {
  test('mount: an empty prepared snapshot mounts empty and writable', () =>
    withSn(async (sn, tmp) => {
      await withMount(await sn.prepare('a'), tmp, async (root) => {
        assert.equal(await readdir(root), []);
        await writeFile(join(root, 'new'), 'x');
      });
      assert.is(await readFile(join(await sn.layerDir('a'), 'new'), 'utf8'), 'x');
    }));

  test('mount: a child sees its parent; its writes land in its own layer only', () =>
    withSn(async (sn, tmp) => {
      await base(sn);
      await withMount(await sn.prepare('child', 'base'), tmp, async (root) => {
        assert.is(await readFile(join(root, 'a'), 'utf8'), 'A');
        await writeFile(join(root, 'c'), 'C');
      });
      assert.is(await readFile(join(await sn.layerDir('child'), 'c'), 'utf8'), 'C');
      assert.equal(await readdir(await sn.layerDir('base')), ['a', 'b']);
    }));

  test('mount: a file deleted in an upper layer is gone from views and children', () =>
    withSn(async (sn, tmp) => {
      await base(sn);
      await withMount(await sn.prepare('step', 'base'), tmp, async (root) => {
        await rm(join(root, 'b'));
        await writeFile(join(root, 'c'), 'C');
      });
      await sn.commit('top', 'step');
      const expectTop = async (root: string): Promise<void> => {
        assert.equal((await readdir(root)).sort(), ['a', 'c']);
        assert.is(await readFile(join(root, 'a'), 'utf8'), 'A');
      };
      await withMount(await sn.view('look', 'top'), tmp, expectTop);
      await withMount(await sn.prepare('next', 'top'), tmp, expectTop);
    }));

  test('mount: views are read-only, of one layer and of several', () =>
    withSn(async (sn, tmp) => {
      await base(sn);
      await sn.prepare('step', 'base');
      await sn.commit('top', 'step');
      for (const [key, parent] of [['v1', 'base'], ['v2', 'top']] as const) {
        await withMount(await sn.view(key, parent), tmp, async (root) => {
          assert.is(await readFile(join(root, 'a'), 'utf8'), 'A');
          await writeFile(join(root, 'x'), 'x').then(
            () => assert.unreachable(`view ${key} is writable`),
            (err: NodeJS.ErrnoException) => assert.is(err.code, 'EROFS'),
          );
        });
      }
    }));

  test('mount: mounts() of an active snapshot mounts the same tree again', () =>
    withSn(async (sn, tmp) => {
      await base(sn);
      await sn.prepare('child', 'base');
      await withMount(await sn.mounts('child'), tmp, async (root) => {
        assert.equal((await readdir(root)).sort(), ['a', 'b']);
      });
    }));
}

/** Commits `base` holding files a (A) and b (B), written through a mount. */
async function base(sn: Snapshotter): Promise<void> {
  await sn.prepare('base-step');
  const dir = await sn.layerDir('base-step');
  await writeFile(join(dir, 'a'), 'A');
  await writeFile(join(dir, 'b'), 'B');
  await sn.commit('base', 'base-step');
}
