/**
 * build() on a test worker (test-worker.ts): the copy-based snapshotter and a
 * fake executor, so these run with no runtime and no mounts. What they prove
 * is what a user sees: the image's layers, history and files, cache hits on a
 * rebuild, where a failure points, and that a failed or cancelled build
 * leaves nothing named and no working snapshot behind.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CanceledError } from '../../solver/index.js';
import { build } from './build.js';
import { BuildStepError } from './errors.js';
import type { BuildProgress } from './progress.js';
import { contextRequest, EventLog, testWorker, type TestWorker } from './test-worker.js';

async function withWorker(fn: (w: TestWorker) => Promise<void>, process?: Parameters<typeof testWorker>[0]): Promise<void> {
  const w = await testWorker(process);
  try {
    await fn(w);
  } finally {
    await w.cleanup();
  }
}

async function imageOf(w: TestWorker, name: string): Promise<{ layers: number; history: { created_by?: string; empty_layer?: boolean; created?: string }[]; created: string | undefined; workdir: string | undefined }> {
  const image = await w.images.get(name);
  const config = await w.images.config(image);
  const manifest = await w.images.manifest(image);
  assert.is(config.rootfs.diff_ids.length, manifest.layers.length);
  return { layers: manifest.layers.length, history: config.history ?? [], created: config.created, workdir: config.config?.WorkingDir };
}

async function activeSnapshots(w: TestWorker): Promise<string[]> {
  const out: string[] = [];
  await w.snapshotter.walk((info) => {
    if (info.kind !== 'committed') out.push(info.key);
  });
  return out;
}

test('COPY and RUN make one layer each; the rootfs has both files and RUN got its spec', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nCOPY a.txt /a.txt\nRUN echo hi > /hi\nCMD ["x"]\n', 'a.txt': 'A\n' });
    const out = join(w.root, 'out');
    const r = await build({ ...req, tags: ['app'], outputs: [{ type: 'image' }, { type: 'local', dest: out }] }, w);
    assert.equal(r.names, ['docker.io/library/app:latest']);
    const img = await imageOf(w, 'app');
    assert.is(img.layers, 2);
    assert.equal(img.history.map((h) => h.empty_layer === true), [false, false, true]);
    assert.is(await readFile(join(out, 'a.txt'), 'utf8'), 'A\n');
    assert.is(await readFile(join(out, 'hi'), 'utf8'), 'hi\n');
    const [spec] = w.executorCalls.specs;
    assert.equal(spec?.args, ['/bin/sh', '-c', 'echo hi > /hi']);
    assert.is(spec?.network, 'none');
  }));

test('a rebuild is all CACHED, runs nothing and gives the same image id; a changed file reruns COPY and what follows', () =>
  withWorker(async (w) => {
    const files = { Dockerfile: 'FROM scratch\nCOPY a.txt /a.txt\nRUN echo hi > /hi\n', 'a.txt': 'A\n' };
    const first = await build({ ...(await contextRequest(w, 'c', files)), tags: ['app'] }, w);
    assert.is(w.executorCalls.specs.length, 1);
    const log = new EventLog();
    const again = await build({ ...(await contextRequest(w, 'c', files)), tags: ['app'] }, w, { progress: log });
    assert.is(again.imageId, first.imageId);
    assert.is(w.executorCalls.specs.length, 1, 'nothing ran');
    assert.equal(log.vertices('vertex.started'), []);
    assert.equal(log.vertices('vertex.cached').length, 3);
    const changed = await build({ ...(await contextRequest(w, 'c', { ...files, 'a.txt': 'B\n' })), tags: ['app'] }, w, { progress: new EventLog() });
    assert.is.not(changed.imageId, first.imageId);
    assert.is(w.executorCalls.specs.length, 2, 'RUN ran again on the new COPY');
  }));

test('--no-cache runs every step again', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nRUN echo 1 > /one\n' });
    await build(req, w);
    await build({ ...req, noCache: true }, w);
    assert.is(w.executorCalls.specs.length, 2);
  }));

test('WORKDIR creates its directory as a layer, RUN runs there; an existing one is an empty layer', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nWORKDIR /app/sub\nRUN echo x > f\nWORKDIR /app\n' });
    const out = join(w.root, 'out');
    await build({ ...req, tags: ['wd'], outputs: [{ type: 'image' }, { type: 'local', dest: out }] }, w);
    assert.is(w.executorCalls.specs[0]?.cwd, '/app/sub');
    assert.is(await readFile(join(out, 'app/sub/f'), 'utf8'), 'x\n');
    const img = await imageOf(w, 'wd');
    assert.is(img.workdir, '/app');
    assert.equal(img.history.map((h) => h.empty_layer === true), [false, false, true]);
    assert.is(img.layers, 2);
  }));

test('a RUN that changes nothing adds no layer and its history entry says so', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nCOPY a /a\nRUN echo quiet\n', a: 'a' });
    const log = new EventLog();
    await build({ ...req, tags: ['q'] }, w, { progress: log });
    const img = await imageOf(w, 'q');
    assert.is(img.layers, 1);
    assert.equal(img.history.map((h) => h.empty_layer === true), [false, true]);
    assert.ok(log.events.some((e) => e.type === 'vertex.log' && e.data === 'quiet\n'), 'the step output is reported');
  }));

test('COPY --from reads another stage; the image has only its own stage\'s layers', () =>
  withWorker(async (w) => {
    const df = 'FROM scratch AS base\nCOPY a /a\nRUN echo b > /b\nFROM scratch\nCOPY --from=base /b /copied\n';
    const req = await contextRequest(w, 'c', { Dockerfile: df, a: 'a' });
    const out = join(w.root, 'out');
    await build({ ...req, tags: ['last'], outputs: [{ type: 'image' }, { type: 'local', dest: out }] }, w);
    assert.is(await readFile(join(out, 'copied'), 'utf8'), 'b\n');
    const last = await imageOf(w, 'last');
    assert.is(last.layers, 1);
  }));

test('FROM <stage>: the image has the base stage\'s layers then its own, with the history of both', () =>
  withWorker(async (w) => {
    const df = 'FROM scratch AS base\nCOPY a /a\nRUN echo b > /b\nFROM base\nRUN echo c > /c\n';
    const req = await contextRequest(w, 'c', { Dockerfile: df, a: 'a' });
    await build({ ...req, tags: ['s'] }, w);
    const img = await imageOf(w, 's');
    assert.is(img.layers, 3);
    assert.equal(img.history.map((h) => h.created_by?.replace(/ # buildkit$/, '')), ['COPY a /a', 'RUN /bin/sh -c echo b > /b', 'RUN /bin/sh -c echo c > /c']);
    // Cached: the same id, from each step's own result.
    const before = (await w.images.get('s')).id;
    await build({ ...req, tags: ['s'] }, w);
    assert.is((await w.images.get('s')).id, before);
    assert.is(w.executorCalls.specs.length, 2);
  }));

test('a cached rebuild keeps the layers its top was built on, even after another build rewrote a shared step\'s record', () =>
  withWorker(async (w) => {
    const a = await contextRequest(w, 'a', { Dockerfile: 'FROM scratch\nRUN date > /shared\nRUN echo a > /a\n' });
    const b = await contextRequest(w, 'b', { Dockerfile: 'FROM scratch\nRUN date > /shared\nRUN echo b > /b\n' });
    const first = await build({ ...a, tags: ['a'] }, w);
    // --no-cache runs the shared step again (new content) and records it over A's.
    await build({ ...b, noCache: true }, w);
    const again = await build({ ...a, tags: ['a'] }, w);
    assert.is(again.imageId, first.imageId, 'the image is the one its top snapshot was built from');
    assert.is(w.executorCalls.specs.length, 4);
  }));

test('SOURCE_DATE_EPOCH sets every history time and created, so two clean roots give one image id', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    await withWorker(async (w) => {
      const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nCOPY a /a\nRUN echo x > /x\n', a: 'a' });
      const r = await build({ ...req, tags: ['r'], sourceDateEpoch: 1_700_000_000 }, w);
      const img = await imageOf(w, 'r');
      assert.is(img.created, '2023-11-14T22:13:20Z');
      assert.ok(img.history.every((h) => h.created === '2023-11-14T22:13:20Z'));
      ids.push(r.imageId);
    });
  }
  assert.is(ids[0], ids[1]);
});

test('a failing RUN points at its Dockerfile line, names nothing and leaves no working snapshot', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nRUN echo ok > /ok\nRUN exit 3\nRUN echo never > /n\n' });
    try {
      await build({ ...req, tags: ['broken'] }, w);
      assert.unreachable('the build should fail');
    } catch (err) {
      assert.instance(err, BuildStepError);
      const e = err as BuildStepError;
      assert.is(e.range.start.line, 3);
      assert.match(e.message, /^Dockerfile:3:1: failed to solve: process "\/bin\/sh -c exit 3" did not complete successfully: exit code: 3$/);
    }
    assert.not.ok(await w.images.get('broken').then(() => true, () => false), 'nothing is named');
    assert.equal(await activeSnapshots(w), []);
    assert.is(w.executorCalls.specs.length, 2, 'the step after the failure never ran');
  }));

test('cancelling a build stops the running step, names nothing and leaves no working snapshot', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nRUN block\n' });
    const abort = new AbortController();
    const log: BuildProgress = {
      write: (ev) => {
        if (ev.type === 'vertex.started') setImmediate(() => abort.abort(new Error('interrupted by SIGINT')));
      },
    };
    try {
      await build({ ...req, tags: ['c'] }, w, { signal: abort.signal, progress: log });
      assert.unreachable('the build should be cancelled');
    } catch (err) {
      assert.instance(err, CanceledError);
    }
    assert.not.ok(await w.images.get('c').then(() => true, () => false));
    assert.equal(await activeSnapshots(w), []);
  }));

test('COPY of a file missing from the context fails at the COPY line, before anything runs', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nRUN echo a > /a\nCOPY nope /x\n' });
    const err = await build(req, w).then(() => undefined, (e: unknown) => e);
    assert.instance(err, BuildStepError);
    assert.is((err as BuildStepError).range.start.line, 3);
    assert.match((err as Error).message, /nope/);
    assert.is(w.executorCalls.specs.length, 0);
  }));

test('-o without an image output: a rootfs tar and an OCI archive, and no name in the store', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nCOPY a /a\nRUN echo r > /r\n', a: 'a' });
    const tar = join(w.root, 'rootfs.tar');
    const oci = join(w.root, 'image.oci.tar');
    const r = await build({ ...req, tags: ['x'], outputs: [{ type: 'tar', dest: tar }, { type: 'oci', dest: oci }] }, w);
    assert.equal(r.names, []);
    assert.not.ok(await w.images.get('x').then(() => true, () => false), 'no image output: not named');
    const list = (file: string): string[] => execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.ok(list(tar).includes('./r') && list(tar).includes('./a'), list(tar).join(' '));
    assert.ok(list(oci).includes('index.json') && list(oci).includes('oci-layout'), list(oci).join(' '));
  }));

test('--push without a name is refused before building', () =>
  withWorker(async (w) => {
    const req = await contextRequest(w, 'c', { Dockerfile: 'FROM scratch\nRUN echo a > /a\n' });
    const err = await build({ ...req, push: true }, w).then(() => undefined, (e: unknown) => e);
    assert.match((err as Error).message, /--push needs at least one -t NAME/);
    assert.is(w.executorCalls.specs.length, 0);
  }));

test.run();
