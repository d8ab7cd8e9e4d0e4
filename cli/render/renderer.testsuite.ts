/**
 * The {@link Renderer} contract, run against every mode (STYLE rule 2):
 * `write` never throws, whatever the order of events; `done` resolves, stops
 * every timer and prints once; nothing is printed after `done`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Renderer, RenderEvent } from './events.js';
import { failingBuild, FakeClock, FakeStream, V } from './test-support.js';

/** What a suite run gets for one renderer under test. */
export interface Harness {
  readonly clock: FakeClock;
  readonly out: FakeStream;
  readonly err: FakeStream;
  readonly renderer: Renderer;
}

/** Events in orders the solver never produces; a renderer must still not throw. */
const ODD: RenderEvent[] = [
  { type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'log before start\n', time: 1 },
  { type: 'vertex.completed', vertex: V.test, durationMs: 5, time: 2 },
  { type: 'build.step.status', step: 'nowhere', status: 'orphan status', done: true, time: 3 },
  { type: 'build.step.completed', step: 'never-started', durationMs: 1, time: 4 },
  { type: 'vertex.log', vertex: V.sleep, stream: 'stderr', data: '', time: 5 },
  { type: 'vertex.cached', vertex: V.make, time: 6 },
  { type: 'vertex.started', vertex: V.make, time: 7 },
  { type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'unfinished', time: 8 },
];

/** Registers the contract tests for one renderer; `make` builds a fresh one per test. */
export function rendererSuite(name: string, make: () => Harness): void {
  test(`${name}: write never throws, even for events out of order`, async () => {
    const h = make();
    for (const ev of [...ODD, ...failingBuild(10)]) h.renderer.write(ev);
    h.clock.advance(1000);
    await h.renderer.done({ ok: false, error: new Error('x') });
    assert.is(h.clock.activeTimers, 0);
  });

  test(`${name}: done stops every timer and prints once; nothing is printed after it`, async () => {
    const h = make();
    for (const ev of failingBuild(0)) h.renderer.write(ev);
    h.clock.advance(500);
    await h.renderer.done({ ok: true, imageId: 'sha256:abc', durationMs: 500 });
    assert.is(h.clock.activeTimers, 0);
    const printed = h.out.text + h.err.text;
    await h.renderer.done({ ok: true, imageId: 'sha256:abc', durationMs: 500 });
    for (const ev of failingBuild(600)) h.renderer.write(ev);
    h.clock.advance(1000);
    assert.is(h.out.text + h.err.text, printed);
    assert.is(h.clock.activeTimers, 0);
  });
}
