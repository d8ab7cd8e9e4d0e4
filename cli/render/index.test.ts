import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRenderer, JsonRenderer, PlainRenderer, QuietRenderer, TtyRenderer, type RenderMode } from './index.js';
import { rendererSuite } from './renderer.testsuite.js';
import { cachedBuild, FakeClock, FakeStream } from './test-support.js';

function streams(errIsTTY: boolean): { out: FakeStream; err: FakeStream } {
  return { out: new FakeStream({ isTTY: errIsTTY, columns: 80 }), err: new FakeStream({ isTTY: errIsTTY, columns: 80, rows: 24 }) };
}

test('auto is tty when stderr is a terminal, plain otherwise', () => {
  assert.instance(createRenderer('auto', streams(true)), TtyRenderer);
  assert.instance(createRenderer('auto', streams(false)), PlainRenderer);
  assert.instance(createRenderer('auto', { out: new FakeStream({ isTTY: true }), err: new FakeStream() }), PlainRenderer);
  assert.instance(createRenderer('json', streams(true)), JsonRenderer);
  assert.instance(createRenderer('quiet', streams(true)), QuietRenderer);
});

test('progress goes to stderr; only quiet writes to stdout', async () => {
  for (const mode of ['plain', 'tty', 'json'] as const) {
    const s = streams(true);
    const r = createRenderer(mode, s, { clock: new FakeClock() });
    for (const ev of cachedBuild(0)) r.write(ev);
    await r.done({ ok: true, imageId: 'sha256:abc', durationMs: 1 });
    assert.is(s.out.text, '', mode);
    assert.ok(s.err.text.includes('exporting to image'), mode);
  }
});

const MODES: readonly RenderMode[] = ['plain', 'tty', 'json', 'quiet', 'auto'];
for (const mode of MODES) {
  rendererSuite(mode, () => {
    const clock = new FakeClock(0);
    const s = streams(mode === 'auto');
    return { clock, ...s, renderer: createRenderer(mode, s, { clock }) };
  });
}

test.run();
