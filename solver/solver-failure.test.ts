// Failure and cancellation: the first failing vertex stops the others, the
// solve waits for them, releases what it made, and names the culprit; Ctrl-C
// (the caller's signal) does the same with a CanceledError.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findError } from '../util/errors.js';
import { rejects } from '../util/test-assert.js';
import { MemoryCacheStore } from './cache-store.js';
import { CanceledError, VertexError } from './errors.js';
import { Solver } from './solver.js';
import { FakeOp, Recorder, World, edge, fakeVertex } from './test-support.js';

const test = suite('Solver failure');

function setup(concurrency = 4): { world: World; rec: Recorder; solver: Solver } {
  const world = new World();
  const rec = new Recorder();
  return { world, rec, solver: new Solver({ cache: new MemoryCacheStore(world.loader), concurrency, progress: rec }) };
}

test('a failing vertex cancels its running siblings, releases every result, and names itself', async () => {
  const { world, rec, solver } = setup();
  const done = new FakeOp(world, 'done');
  const slow = new FakeOp(world, 'slow', { sleepMs: 5000 });
  const bad = new FakeOp(world, 'bad', { sleepMs: 30, fail: 'exit code 1' });
  const root = new FakeOp(world, 'root');
  const err = await rejects(solver.solve(edge(fakeVertex(root, [fakeVertex(done), fakeVertex(slow), fakeVertex(bad)]))), /^bad: exit code 1$/);
  assert.instance(err, VertexError);
  assert.is((err as VertexError).vertex.name, 'bad');
  assert.is(((err as VertexError).cause as Error).message, 'exit code 1');
  assert.ok(slow.aborted && slow.endedAt > 0, 'the sibling saw its signal abort and stopped before the solve rejected');
  assert.is(root.execCalls, 0);
  assert.equal(world.live(), [], "done's result was released");
  assert.equal(rec.lines().filter((l) => !l.startsWith('started') && !l.startsWith('completed')).sort(), ['canceled slow', 'error bad exit code 1']);
  assert.equal(world.doubleReleases, []);
});

test('vertices waiting for an exec slot never start after a failure', async () => {
  const { world, rec, solver } = setup(1);
  // One slot: blocker runs while bad, then later1..3 queue up behind it (fan-out order, same depth).
  const blocker = new FakeOp(world, 'blocker', { sleepMs: 40 });
  const bad = new FakeOp(world, 'bad', { fail: 'boom' });
  const later = [1, 2, 3].map((i) => new FakeOp(world, `later${i}`));
  const wrap = (name: string, op: FakeOp) => fakeVertex(new FakeOp(world, name), [fakeVertex(op)]);
  // bad's failure must reach its cousins through the root before its slot is handed on.
  const root = fakeVertex(new FakeOp(world, 'root'), [fakeVertex(blocker), wrap('mid', bad), ...later.map((o, i) => wrap(`mid${i + 1}`, o))]);
  const err = await rejects(solver.solve(edge(root)), /boom/);
  assert.is((err as VertexError).vertex.name, 'bad');
  assert.equal(rec.names('vertex.started'), ['blocker', 'bad']);
  assert.equal(later.map((o) => o.execCalls), [0, 0, 0]);
  assert.equal(world.live(), []);
});

test('the caller aborting (Ctrl-C) stops running ops, releases results, rejects with CanceledError', async () => {
  const { world, rec, solver } = setup();
  const ctl = new AbortController();
  const fast = new FakeOp(world, 'fast');
  const slow1 = new FakeOp(world, 'slow1', { sleepMs: 5000 });
  const slow2 = new FakeOp(world, 'slow2', { sleepMs: 5000 });
  setTimeout(() => ctl.abort(new Error('SIGINT')), 50);
  const err = await rejects(solver.solve(edge(fakeVertex(new FakeOp(world, 'root'), [fakeVertex(fast), fakeVertex(slow1), fakeVertex(slow2)])), { signal: ctl.signal }), /build canceled/);
  assert.ok(findError(err, CanceledError), `got ${String(err)}`);
  assert.is(((err as CanceledError).cause as Error).message, 'SIGINT');
  assert.ok(slow1.aborted && slow2.aborted);
  assert.equal(world.live(), []);
  assert.equal(rec.names('vertex.canceled').sort(), ['slow1', 'slow2']);
  assert.equal(rec.names('vertex.error'), []);
});

test('a signal aborted before the solve: nothing runs', async () => {
  const { world, solver } = setup();
  const op = new FakeOp(world, 'a');
  const err = await rejects(solver.solve(edge(fakeVertex(op)), { signal: AbortSignal.abort() }), /build canceled/);
  assert.instance(err, CanceledError);
  assert.equal([op.cacheMapCalls, op.execCalls], [0, 0]);
});

test('an op that ignores the abort is waited for, and what it returns is released', async () => {
  const { world, solver } = setup();
  const stubborn = new FakeOp(world, 'stubborn', { sleepMs: 150, ignoreAbort: true });
  const bad = new FakeOp(world, 'bad', { fail: 'boom' });
  const t0 = Date.now();
  await rejects(solver.solve(edge(fakeVertex(new FakeOp(world, 'root'), [fakeVertex(stubborn), fakeVertex(bad)]))), /^bad: boom$/);
  assert.ok(Date.now() - t0 >= 140, 'the solve waited for the op to stop');
  assert.is(stubborn.execCalls, 1);
  assert.equal(world.refs.map((r) => [r.id, r.released]), [['stubborn.0#1', 1]]);
});

test('a failing cache map is a VertexError too, and nothing runs', async () => {
  const { world, rec, solver } = setup();
  const a = new FakeOp(world, 'a');
  const b = new FakeOp(world, 'b', { failCacheMap: 'cannot read context: no such file' });
  const err = await rejects(solver.solve(edge(fakeVertex(b, [fakeVertex(a)]))), /^b: cannot read context/);
  assert.is((err as VertexError).code, 'VERTEX');
  assert.equal([a.execCalls, b.execCalls], [0, 0]);
  assert.equal(rec.lines(), ['error b cannot read context: no such file']);
});

test('a failed solve keeps what an earlier successful solve built; close releases it', async () => {
  const { world, solver } = setup();
  const base = new FakeOp(world, 'base');
  const vbase = fakeVertex(base);
  await solver.solve(edge(fakeVertex(new FakeOp(world, 'ok'), [vbase])));
  const extra = new FakeOp(world, 'extra');
  await rejects(solver.solve(edge(fakeVertex(new FakeOp(world, 'bad', { fail: 'boom' }), [vbase, fakeVertex(extra)]))), /boom/);
  assert.equal(world.live().sort(), ['base.0#1', 'ok.0#2'], "extra's result is released, the first build's are kept");
  assert.is(base.execCalls, 1);
  const again = (await solver.solve(edge(fakeVertex(new FakeOp(world, 'ok2'), [vbase])))).result;
  assert.is(again.id, 'ok2.0#4');
  assert.is(base.execCalls, 1, 'reused, not rebuilt');
  await solver.close();
  assert.equal(world.live(), []);
  assert.equal(world.doubleReleases, []);
});

test('two solves share a vertex; cancelling one does not cancel the work the other waits for', async () => {
  const { world, solver } = setup();
  const shared = new FakeOp(world, 'shared', { sleepMs: 150 });
  const vshared = fakeVertex(shared);
  const ctl = new AbortController();
  const a = solver.solve(edge(fakeVertex(new FakeOp(world, 'a'), [vshared])), { signal: ctl.signal });
  const b = solver.solve(edge(fakeVertex(new FakeOp(world, 'b'), [vshared])));
  setTimeout(() => ctl.abort(), 30);
  await rejects(a, /build canceled/);
  const rb = (await b).result;
  assert.is(rb.id, 'b.0#2');
  assert.equal([shared.execCalls, shared.aborted], [1, false]);
  await solver.close();
  assert.equal(world.live(), []);
});

test('close refuses while a solve runs', async () => {
  const { world, solver } = setup();
  const p = solver.solve(edge(fakeVertex(new FakeOp(world, 'slow', { sleepMs: 50 }))));
  await rejects(solver.close(), /while 1 solve\(s\) run/);
  await p;
  await solver.close();
  assert.equal(world.live(), []);
});

test.run();
