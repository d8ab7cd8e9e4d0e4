// The overlay snapshotter without mounting: the conformance suite's lifecycle
// half, and the shape of the mounts it hands to executor/ (see overlay.e2e.test.ts
// for real mounts).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError } from '../../util/errors.js';
import { OverlaySnapshotter } from './index.js';
import { rejects, withTempDir } from './test-support.js';
import { snapshotterSuite } from './testsuite.js';
import type { Mount } from './types.js';

snapshotterSuite('overlay (unmounted)', (dir) => new OverlaySnapshotter(dir)).run();

const shape = suite('overlay snapshotter: mounts');

/** Commits `name` on `parent` (each layer empty). */
async function layer(sn: OverlaySnapshotter, name: string, parent?: string): Promise<void> {
  await sn.prepare(`${name}-step`, parent);
  await sn.commit(name, `${name}-step`);
}

const lowerdirs = (m: Mount | undefined): string[] =>
  (m?.options.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length) ?? '').split(':');

shape('a snapshot without parents is a bind of its layer dir, ro for a view', () =>
  withTempDir(async (tmp) => {
    const sn = new OverlaySnapshotter(join(tmp, 's'));
    assert.equal(await sn.prepare('a'), [{ type: 'bind', source: await sn.layerDir('a'), options: ['rbind', 'rw'] }]);
    assert.equal(await sn.view('v'), [{ type: 'bind', source: await sn.layerDir('v'), options: ['rbind', 'ro'] }]);
  }),
);

shape('a view of a one-layer chain is a read-only bind of that layer', () =>
  withTempDir(async (tmp) => {
    const sn = new OverlaySnapshotter(join(tmp, 's'));
    await layer(sn, 'base');
    assert.equal(await sn.view('v', 'base'), [{ type: 'bind', source: await sn.layerDir('base'), options: ['rbind', 'ro'] }]);
  }),
);

shape('an active child is an overlay with relative dirs under source, lowers nearest first', () =>
  withTempDir(async (tmp) => {
    const sn = new OverlaySnapshotter(join(tmp, 's'));
    await layer(sn, 'base');
    await layer(sn, 'mid', 'base');
    const [m, ...rest] = await sn.prepare('child', 'mid');
    assert.equal(rest, []);
    assert.is(m?.type, 'overlay');
    assert.is(m?.source, join(tmp, 's', 'l'));
    const source = m?.source ?? '';
    const opt = (name: string): string => m?.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
    assert.is(join(source, opt('upperdir')), await sn.layerDir('child'));
    assert.ok((await stat(join(source, opt('workdir')))).isDirectory(), 'workdir exists');
    const lowers = await Promise.all(['mid', 'base'].map((k) => sn.layerDir(k)));
    assert.equal(lowerdirs(m).map((l) => join(source, l)), lowers);
  }),
);

shape('a view of several layers is an overlay of lower dirs only', () =>
  withTempDir(async (tmp) => {
    const sn = new OverlaySnapshotter(join(tmp, 's'));
    await layer(sn, 'base');
    await layer(sn, 'top', 'base');
    const [m] = await sn.view('v', 'top');
    assert.is(m?.type, 'overlay');
    assert.equal(m?.options.map((o) => o.split('=')[0]), ['lowerdir']);
    assert.is(lowerdirs(m).length, 2);
  }),
);

shape('a chain too deep for one page of options fails clearly and leaves nothing behind', () =>
  withTempDir(async (tmp) => {
    const sn = new OverlaySnapshotter(join(tmp, 's'));
    let parent: string | undefined;
    let depth = 0;
    for (; depth < 400; depth++) {
      const [m] = await sn.prepare(`step-${depth}`, parent).catch((err: unknown) => {
        assert.instance(err, FailedPreconditionError);
        return [];
      });
      if (m === undefined) break;
      assert.ok(Buffer.byteLength(m.options.join(',')) < 4096, 'options fit in a page');
      await sn.commit(`layer-${depth}`, `step-${depth}`);
      parent = `layer-${depth}`;
    }
    assert.ok(depth >= 300 && depth < 400, `chain stopped at depth ${depth}`);
    await rejects(sn.prepare('too-deep', parent), FailedPreconditionError, 'kernel accepts at most 4095');
    assert.is((await readdir(join(tmp, 's', 'l'))).length, depth, 'no directory left for failed prepares');
  }),
);

shape.run();
