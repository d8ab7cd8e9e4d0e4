// Solver basics with fake ops: what runs, in what order, how often, how many
// at once, what progress says, and that every result is released once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../util/errors.js';
import { rejects } from '../util/test-assert.js';
import { MemoryCacheStore } from './cache-store.js';
import { VertexError } from './errors.js';
import { Solver } from './solver.js';
import { FakeOp, Recorder, World, edge, fakeVertex } from './test-support.js';

const test = suite('Solver');

function setup(concurrency = 4): { world: World; rec: Recorder; solver: Solver } {
  const world = new World();
  const rec = new Recorder();
  return { world, rec, solver: new Solver({ cache: new MemoryCacheStore(world.loader), concurrency, progress: rec }) };
}

test('solves a chain: each vertex execs once, after its input, and gets its input result', async () => {
  const { world, rec, solver } = setup();
  const [a, b, c] = ['a', 'b', 'c'].map((n) => new FakeOp(world, n)) as [FakeOp, FakeOp, FakeOp];
  const va = fakeVertex(a);
  const vc = fakeVertex(c, [fakeVertex(b, [va])]);
  const r = (await solver.solve(edge(vc))).result;
  assert.is(r.id, 'c.0#3');
  assert.equal([a.execCalls, b.execCalls, c.execCalls], [1, 1, 1]);
  assert.equal([b.inputIds, c.inputIds], [['a.0#1'], ['b.0#2']]);
  assert.equal(rec.lines(), ['started a', 'completed a', 'started b', 'completed b', 'started c', 'completed c']);
  assert.equal(world.live().length, 3, 'the solver holds its results until close');
  await solver.close();
  assert.equal(world.live(), []);
  assert.equal(world.doubleReleases, []);
});

test('a diamond runs the shared vertex once; equal definitions are one vertex', async () => {
  const { world, solver } = setup();
  const base = new FakeOp(world, 'base', { sleepMs: 20 });
  const left = new FakeOp(world, 'left');
  const right = new FakeOp(world, 'right');
  const top = new FakeOp(world, 'top');
  // Two vertex objects built from the same definition: same digest, same work.
  const vtop = fakeVertex(top, [fakeVertex(left, [fakeVertex(base)]), fakeVertex(right, [fakeVertex(base)])]);
  await solver.solve(edge(vtop));
  assert.equal([base.cacheMapCalls, base.execCalls], [1, 1]);
  assert.equal(top.inputIds.map((id) => id.split('#')[0]), ['left.0', 'right.0'], 'inputs in edge order');
  assert.ok(left.inputIds[0] === right.inputIds[0], 'both branches got the same base result');
  await solver.close();
  assert.equal(world.live(), []);
});

test('a second solve in the same Solver reuses results without running or reporting anything', async () => {
  const { world, rec, solver } = setup();
  const a = new FakeOp(world, 'a');
  const b = new FakeOp(world, 'b');
  const vb = fakeVertex(b, [fakeVertex(a)]);
  const first = (await solver.solve(edge(vb))).result;
  const n = rec.events.length;
  const second = (await solver.solve(edge(vb))).result;
  assert.is(second, first);
  assert.equal([a.execCalls, b.execCalls, a.cacheMapCalls], [1, 1, 1]);
  assert.is(rec.events.length, n);
  await solver.close();
  assert.equal(world.live(), []);
});

test('independent vertices run at the same time', async () => {
  const { world, solver } = setup(4);
  const x = new FakeOp(world, 'x', { sleepMs: 200 });
  const y = new FakeOp(world, 'y', { sleepMs: 200 });
  const join = new FakeOp(world, 'join');
  await solver.solve(edge(fakeVertex(join, [fakeVertex(x), fakeVertex(y)])));
  assert.ok(x.startedAt < y.endedAt && y.startedAt < x.endedAt, 'the two overlapped');
  await solver.close();
});

test('concurrency 1 runs one op at a time', async () => {
  const { world, solver } = setup(1);
  const x = new FakeOp(world, 'x', { sleepMs: 100 });
  const y = new FakeOp(world, 'y', { sleepMs: 100 });
  const t0 = Date.now();
  await solver.solve(edge(fakeVertex(new FakeOp(world, 'join'), [fakeVertex(x), fakeVertex(y)])));
  assert.ok(Date.now() - t0 >= 195, `took ${Date.now() - t0} ms`);
  const [first, second] = x.startedAt <= y.startedAt ? [x, y] : [y, x];
  assert.ok(second.startedAt >= first.endedAt, 'no overlap');
  await solver.close();
});

test('an edge picks one output of a multi-output op', async () => {
  const { world, solver } = setup();
  const split = new FakeOp(world, 'split', { outputs: 2 });
  const vs = fakeVertex(split);
  const user = new FakeOp(world, 'user');
  const r = (await solver.solve(edge(fakeVertex(user, [edge(vs, 1)])))).result;
  assert.equal(user.inputIds, ['split.1#2']);
  assert.is(r.id, 'user.0#3');
  const err = await rejects(solver.solve(edge(vs, 2)), /output 2 requested, but the op produced 2/);
  assert.instance(err, VertexError);
  await solver.close();
  assert.equal(world.live(), []);
});

test('log bytes are decoded per stream, a character split across chunks arrives whole', async () => {
  const { world, rec, solver } = setup();
  const bytes = Buffer.from('héllo ✓\n');
  const op = new FakeOp(world, 'logger');
  const v = fakeVertex(op);
  op.exec = async (ctx) => {
    ctx.log('stdout', bytes.subarray(0, 2)); // ends inside "é"
    ctx.log('stdout', bytes.subarray(2, 8)); // ends inside "✓"
    ctx.log('stderr', 'plain text');
    ctx.log('stdout', bytes.subarray(8));
    return [world.create('logger', '')];
  };
  await solver.solve(edge(v));
  const logs = rec.events.filter((e) => e.type === 'vertex.log');
  assert.is(logs.filter((e) => e.stream === 'stdout').map((e) => e.data).join(''), 'héllo ✓\n');
  assert.ok(logs.every((e) => e.data !== '' && !e.data.includes('\uFFFD')), 'no replacement characters, no empty events');
  assert.equal(JSON.parse(JSON.stringify(rec.events[0])).vertex, { digest: v.digest, name: 'logger' }, 'events serialize without the op');
  await solver.close();
});

test('rejects a bad concurrency', () => {
  const world = new World();
  assert.throws(() => new Solver({ cache: new MemoryCacheStore(world.loader), concurrency: 0 }), (e: unknown) => e instanceof InvalidArgumentError && /got 0/.test(e.message));
});

test.run();
