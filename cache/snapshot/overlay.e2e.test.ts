// The overlay snapshotter mounted for real (root + overlayfs): the conformance
// suite with mounts, and a 150-layer chain (deeper than Docker's 128 limit)
// mounted writable and as a read-only view. KILN_TIMINGS=1 prints timings.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OverlaySnapshotter } from './index.js';
import { e2eGate, withMount, withTempDir } from './test-support.js';
import { snapshotterSuite } from './testsuite.js';
import type { Mount } from './types.js';

const DEPTH = 150;

if (await e2eGate('overlay snapshotter e2e')) {
  snapshotterSuite('overlay', (dir) => new OverlaySnapshotter(dir), { mountable: true }).run();

  const chain = suite('overlay snapshotter: 150-layer chain');

  chain('every layer of a 150-layer chain is visible, writable and as a read-only view', () =>
    withTempDir(async (tmp) => {
      const sn = new OverlaySnapshotter(join(tmp, 's'));
      const t0 = performance.now();
      let parent: string | undefined;
      for (let n = 1; n <= DEPTH; n++) {
        await sn.prepare(`step-${n}`, parent);
        // What store/ apply() does: unpack a layer straight into the upper dir.
        await writeFile(join(await sn.layerDir(`step-${n}`), `layer-${n}`), String(n));
        await sn.commit(`layer-${n}`, `step-${n}`);
        parent = `layer-${n}`;
      }
      const t1 = performance.now();
      const top = await sn.prepare('top', parent);
      assertFits(top, DEPTH);
      const t2 = performance.now();
      const t3 = await withMount(top, tmp, async (root) => {
        const mounted = performance.now();
        await expectLayers(root);
        await writeFile(join(root, 'new'), 'written on top');
        return mounted;
      });
      assert.is(await readFile(join(await sn.layerDir('top'), 'new'), 'utf8'), 'written on top');
      const view = await sn.view('look', parent);
      assertFits(view, DEPTH);
      await withMount(view, tmp, async (root) => {
        await expectLayers(root);
        await writeFile(join(root, 'x'), 'x').then(
          () => assert.unreachable('the view is writable'),
          (err: NodeJS.ErrnoException) => assert.is(err.code, 'EROFS'),
        );
      });
      if (process.env.KILN_TIMINGS !== undefined) {
        const perLayer = ((t1 - t0) / DEPTH).toFixed(2);
        console.log(`prepare+write+commit: ${perLayer} ms/layer; mount of ${DEPTH} layers: ${(t3 - t2).toFixed(1)} ms`);
      }
    }),
  );

  chain.run();
}

function assertFits(mounts: Mount[], depth: number): void {
  const [m] = mounts;
  assert.is(m?.type, 'overlay');
  const bytes = Buffer.byteLength(m?.options.join(',') ?? '');
  assert.ok(bytes < 4096, `${bytes} bytes of options for ${depth} layers`);
  assert.is(m?.options.find((o) => o.startsWith('lowerdir='))?.split(':').length, depth);
}

async function expectLayers(root: string): Promise<void> {
  for (let n = 1; n <= DEPTH; n++) {
    assert.is(await readFile(join(root, `layer-${n}`), 'utf8'), String(n), `layer-${n}`);
  }
}
