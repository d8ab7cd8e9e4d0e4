/**
 * The op contract (result.ts, step-change.ts): a step's change becomes a
 * committed snapshot whose result carries its layer and time, the same after
 * a reload from the cache index; a failed change leaves no working snapshot.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { discardProgress, type OpContext } from '../../solver/index.js';
import type { Digest } from '../../util/digest.js';
import { loadStepResult, StepResult } from './result.js';
import { buildScope } from './scope.js';
import { changeStep } from './step-change.js';
import { contextRequest, testWorker } from './test-worker.js';

const ctx: OpContext = { vertex: { digest: `sha256:${'0'.repeat(64)}` as Digest, name: 'test step' }, signal: new AbortController().signal, progress: discardProgress, log: () => {} };

async function snapshotsOfKind(sn: { walk(fn: (i: { key: string; kind: string }) => void): Promise<void> }, kind: string): Promise<string[]> {
  const out: string[] = [];
  await sn.walk((i) => {
    if (i.kind === kind) out.push(i.key);
  });
  return out;
}

test('a change is committed with its layer; the cache index loads the same result back', async () => {
  const w = await testWorker();
  try {
    const scope = buildScope(w, await contextRequest(w, 'c', {}));
    const first = await changeStep(scope, ctx, { name: 'one', kind: 'copy', parent: undefined }, async (a) => writeFile(join(await a.hostPath(), 'f'), 'data'));
    assert.ok(first.snapshot?.startsWith('step-'));
    assert.ok(first.layer !== undefined && (await w.content.has(first.layer.diffID)), 'the layer blob is stored');
    assert.type(first.createdAt, 'number');
    const loaded = await loadStepResult(w.snapshotter)(first.id);
    assert.instance(loaded, StepResult);
    assert.equal({ ...(loaded as StepResult) }, { ...first });
    const second = await changeStep(scope, ctx, { name: 'two', kind: 'run', parent: first }, async () => undefined);
    assert.is(second.layer, undefined, 'no change, no layer');
    assert.is((await w.snapshotter.stat(second.id)).parent, first.snapshot);
    assert.equal(await snapshotsOfKind(w.snapshotter, 'active'), []);
  } finally {
    await w.cleanup();
  }
});

test('a failed change removes its working snapshot and rethrows', async () => {
  const w = await testWorker();
  try {
    const scope = buildScope(w, await contextRequest(w, 'c', {}));
    const err = await changeStep(scope, ctx, { name: 'bad', kind: 'workdir', parent: undefined }, async (a) => {
      await writeFile(join(await a.hostPath(), 'half'), 'x');
      throw new Error('boom');
    }).then(() => undefined, (e: unknown) => e);
    assert.is((err as Error).message, 'boom');
    assert.equal(await snapshotsOfKind(w.snapshotter, 'active'), []);
    assert.equal(await snapshotsOfKind(w.snapshotter, 'committed'), []);
  } finally {
    await w.cleanup();
  }
});

test('a snapshot that is gone loads as a cache miss; the empty rootfs always loads', async () => {
  const w = await testWorker();
  try {
    const load = loadStepResult(w.snapshotter);
    assert.is(await load('step-0123456789abcdef'), undefined);
    assert.is((await load(''))?.id, '');
  } finally {
    await w.cleanup();
  }
});

test.run();
