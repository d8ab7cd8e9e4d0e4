// Cache keys and the persisted index: a new Solver (a new process, as far as
// the solver can tell) over the same store finds every step again; changes
// invalidate exactly the dependants; lazy inputs; --no-cache.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CacheStore } from './cache-store.js';
import { JsonFileCacheStore } from './json-cache-store.js';
import { Solver } from './solver.js';
import { FakeOp, Recorder, World, edge, fakeVertex, type FakeOpInit } from './test-support.js';
import type { Vertex } from './types.js';

const test = suite('Solver cache');

/** A build graph over fresh fake ops: base → mid → top, base → side, root(top, side). */
function graph(world: World, init: Partial<Record<'base' | 'mid' | 'top' | 'side' | 'root', FakeOpInit>> = {}) {
  const op = (n: keyof typeof init): FakeOp => new FakeOp(world, n, init[n]);
  const ops = { base: op('base'), mid: op('mid'), top: op('top'), side: op('side'), root: op('root') };
  const base = fakeVertex(ops.base);
  const root = fakeVertex(ops.root, [fakeVertex(ops.top, [fakeVertex(ops.mid, [base])]), fakeVertex(ops.side, [base])]);
  const execs = (): Record<string, number> => Object.fromEntries(Object.entries(ops).map(([k, o]) => [k, o.execCalls]));
  return { ops, root, execs };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-solver-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs one build with a fresh Solver (as a new kiln process would), then closes it. */
async function build(store: CacheStore, root: Vertex, opts: { noCache?: boolean } = {}): Promise<{ rec: Recorder; id: string }> {
  const rec = new Recorder();
  const solver = new Solver({ cache: store, concurrency: 4, progress: rec });
  try {
    const r = (await solver.solve(edge(root), opts)).result;
    return { rec, id: r.id };
  } finally {
    await solver.close();
  }
}

test('a cache hit names the results of its ancestors without loading them', () =>
  withDir(async (dir) => {
    const world = new World();
    const midOf = (root: Vertex): Vertex => {
      const mid = root.inputs[0]?.vertex.inputs[0]?.vertex;
      if (mid === undefined) throw new Error('graph shape');
      return mid;
    };
    const first = graph(world);
    const cold = new Solver({ cache: new JsonFileCacheStore(dir, world.loader), concurrency: 4 });
    let built: string | undefined;
    try {
      built = (await cold.solve(edge(first.root))).resultId(edge(midOf(first.root)));
    } finally {
      await cold.close();
    }
    assert.type(built, 'string');
    const again = graph(world);
    const warm = new Solver({ cache: new JsonFileCacheStore(dir, world.loader), concurrency: 4 });
    try {
      const refsBefore = world.refs.length;
      const solved = await warm.solve(edge(again.root));
      assert.is(world.refs.length - refsBefore, 1, 'only the hit itself is loaded');
      assert.is(solved.resultId(edge(midOf(again.root))), built);
      assert.is(solved.resultId(edge(fakeVertex(new FakeOp(world, 'elsewhere')))), undefined);
    } finally {
      await warm.close();
    }
  }));

test('a new Solver over the same persisted store runs nothing and reports every step CACHED', () =>
  withDir(async (dir) => {
    const world = new World();
    const first = graph(world);
    const cold = await build(new JsonFileCacheStore(dir, world.loader), first.root);
    assert.equal(first.execs(), { base: 1, mid: 1, top: 1, side: 1, root: 1 });
    assert.equal(cold.rec.names('vertex.cached'), []);
    const again = graph(world);
    const warm = await build(new JsonFileCacheStore(dir, world.loader), again.root);
    assert.equal(again.execs(), { base: 0, mid: 0, top: 0, side: 0, root: 0 });
    assert.is(warm.id, cold.id, 'the recorded result is loaded');
    assert.equal(warm.rec.names('vertex.started'), []);
    assert.equal(warm.rec.names('vertex.cached').sort(), ['base', 'mid', 'root', 'side', 'top']);
    const order = warm.rec.names('vertex.cached');
    assert.ok(order.indexOf('base') < order.indexOf('mid') && order.indexOf('mid') < order.indexOf('top') && order.at(-1) === 'root', `inputs first: ${order}`);
    assert.equal(world.live(), []);
    assert.equal(world.doubleReleases, []);
  }),
);

test('a changed op digest invalidates exactly its dependants; inputs they need are loaded, not run', () =>
  withDir(async (dir) => {
    const world = new World();
    const store = new JsonFileCacheStore(dir, world.loader);
    await build(store, graph(world).root);
    const changed = graph(world, { mid: { key: 'v2' } });
    const { rec } = await build(store, changed.root);
    assert.equal(changed.execs(), { base: 0, mid: 1, top: 1, side: 0, root: 1 });
    assert.equal(rec.names('vertex.cached').sort(), ['base', 'side']);
    assert.equal(changed.ops.mid.inputIds, ['base.0#1'], 'mid got the recorded base result');
    assert.equal(world.live(), []);
  }),
);

test('an input of a cache hit is not run; when something else needs it, it runs once', () =>
  withDir(async (dir) => {
    const world = new World();
    const store = new JsonFileCacheStore(dir, world.loader);
    await build(store, graph(world).root);
    // base's snapshot was garbage-collected: its record no longer loads.
    for (const id of [...world.persisted]) if (id.startsWith('base.')) world.persisted.delete(id);
    const hit = graph(world);
    await build(store, hit.root);
    assert.equal(hit.execs(), { base: 0, mid: 0, top: 0, side: 0, root: 0 });
    const side = graph(world, { side: { key: 'v2' } });
    await build(store, side.root);
    assert.equal(side.execs(), { base: 1, mid: 0, top: 0, side: 1, root: 1 });
    assert.equal(world.live(), []);
  }),
);

test('noCache runs everything again and rewrites the records the next build uses', () =>
  withDir(async (dir) => {
    const world = new World();
    const store = new JsonFileCacheStore(dir, world.loader);
    await build(store, graph(world).root);
    const forced = graph(world);
    const { rec, id } = await build(store, forced.root, { noCache: true });
    assert.equal(forced.execs(), { base: 1, mid: 1, top: 1, side: 1, root: 1 });
    assert.equal(rec.names('vertex.cached'), []);
    const next = graph(world);
    const warm = await build(store, next.root);
    assert.equal(next.execs(), { base: 0, mid: 0, top: 0, side: 0, root: 0 });
    assert.is(warm.id, id, 'the newest record won');
  }),
);

test('ignoreCache reruns that vertex only; its dependants still hit', () =>
  withDir(async (dir) => {
    const world = new World();
    const store = new JsonFileCacheStore(dir, world.loader);
    const mk = () => {
      const a = new FakeOp(world, 'a');
      const b = new FakeOp(world, 'b');
      return { a, b, v: fakeVertex(b, [fakeVertex(a, [], { ignoreCache: true })]) };
    };
    await build(store, mk().v);
    const second = mk();
    await build(store, second.v);
    assert.equal([second.a.execCalls, second.b.execCalls], [0, 0], 'b hit, so a was not needed');
    const third = mk();
    await build(store, fakeVertex(new FakeOp(world, 'c'), [third.v, fakeVertex(third.a, [], { ignoreCache: true })]));
    assert.equal([third.a.execCalls, third.b.execCalls], [1, 0], 'a is needed by c: it runs instead of loading');
  }),
);

test('a content-based dependency hits when its input was rebuilt to the same content', () =>
  withDir(async (dir) => {
    const world = new World();
    const store = new JsonFileCacheStore(dir, world.loader);
    const copyGraph = (srcKey: string, content: string) => {
      const src = new FakeOp(world, 'src', { key: srcKey, content });
      const copy = new FakeOp(world, 'copy', { deps: [{ selector: '/app', computeDigest: async (r) => `content:${world.content.get(r.id)}` }] });
      const after = new FakeOp(world, 'after');
      return { src, copy, after, v: fakeVertex(after, [fakeVertex(copy, [fakeVertex(src)])]) };
    };
    await build(store, copyGraph('s1', 'same').v);
    const rebuilt = copyGraph('s2', 'same');
    await build(store, rebuilt.v);
    assert.equal([rebuilt.src.execCalls, rebuilt.copy.execCalls, rebuilt.after.execCalls], [1, 0, 0], 'src ran, copy and after hit on content');
    const changed = copyGraph('s3', 'different');
    await build(store, changed.v);
    assert.equal([changed.src.execCalls, changed.copy.execCalls, changed.after.execCalls], [1, 1, 1]);
    assert.equal(world.live(), []);
  }),
);

test('a torn record file is a miss for that vertex only, and is rewritten', () =>
  withDir(async (dir) => {
    const world = new World();
    await build(new JsonFileCacheStore(dir, world.loader), graph(world).root);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    assert.is(files.length, 5);
    // A crash mid-write (without the atomic rename) would leave half a record behind.
    const torn = graph(world);
    const rootKey = await findRecordOf(dir, world, 'root.');
    await writeFile(join(dir, rootKey), '{"format":1,"key":"sha256:');
    await build(new JsonFileCacheStore(dir, world.loader), torn.root);
    assert.equal(torn.execs(), { base: 0, mid: 0, top: 0, side: 0, root: 1 });
    const healed = graph(world);
    await build(new JsonFileCacheStore(dir, world.loader), healed.root);
    assert.equal(healed.execs(), { base: 0, mid: 0, top: 0, side: 0, root: 0 });
  }),
);

/** The record file whose result id starts with `prefix`. */
async function findRecordOf(dir: string, world: World, prefix: string): Promise<string> {
  const store = new JsonFileCacheStore(dir, world.loader);
  const rec = (await store.list()).find((r) => r.results[0]?.startsWith(prefix));
  if (rec === undefined) throw new Error(`no record for ${prefix}`);
  return `${rec.key.slice('sha256:'.length)}.json`;
}

test('solve returns the cache records of every step it reached, written or found, and no others', () =>
  withDir(async (dir) => {
    const world = new World();
    const store = new JsonFileCacheStore(dir, world.loader);
    const records = async (root: Vertex): Promise<string[][]> => {
      const solver = new Solver({ cache: store, concurrency: 4 });
      try {
        const { records } = await solver.solve(edge(root));
        return records.map((r) => r.results.map((id) => id.replace(/#\d+$/, '')));
      } finally {
        await solver.close();
      }
    };
    const first = graph(world);
    const cold = await records(first.root);
    assert.equal(cold.flat().sort(), ['base.0', 'mid.0', 'root.0', 'side.0', 'top.0'], 'every step that ran');
    // Another graph in the same store: only its own steps come back.
    await records(fakeVertex(new FakeOp(world, 'other')));
    const again = graph(world);
    const warm = await records(again.root);
    assert.equal(again.execs(), { base: 0, mid: 0, top: 0, side: 0, root: 0 });
    assert.equal(warm.flat().sort(), cold.flat().sort(), 'every step found in the cache');
  }),
);

test.run();
