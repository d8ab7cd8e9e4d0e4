import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NotFoundError } from '../../util/errors.js';
import { JsonRenderer } from './json.js';
import { cachedBuild, failingBuild, FakeClock, FakeStream, V } from './test-support.js';

async function render(events: ReturnType<typeof failingBuild>, result: Parameters<JsonRenderer['done']>[0]): Promise<unknown[]> {
  const out = new FakeStream();
  const r = new JsonRenderer(out, new FakeClock(5000));
  for (const ev of events) r.write(ev);
  await r.done(result);
  assert.ok(out.text.endsWith('\n'));
  return out.text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
}

test('one parseable JSON object per line per event, then the result', async () => {
  const events = failingBuild(1000);
  const lines = await render(events, { ok: false, error: new NotFoundError('image "alpine" not in the local store') });
  assert.is(lines.length, events.length + 1);
  assert.equal(lines.map((l) => (l as { type: string }).type), [...events.map((e) => e.type), 'build.result']);
  assert.equal(lines.at(-1), { type: 'build.result', time: 5000, ok: false, error: { message: 'image "alpine" not in the local store', code: 'NOT_FOUND' } });
});

test('stable field names per event type; log data is the raw chunk', async () => {
  const lines = await render(failingBuild(0), { ok: false, error: 'boom' });
  const byType = new Map<string, unknown>();
  for (const l of lines) byType.set((l as { type: string }).type, l);
  const keys = (t: string): string[] => Object.keys(byType.get(t) as object);
  assert.equal(keys('vertex.started'), ['type', 'time', 'vertex']);
  assert.equal(keys('vertex.log'), ['type', 'time', 'vertex', 'stream', 'data']);
  assert.equal(keys('vertex.error'), ['type', 'time', 'vertex', 'durationMs', 'message']);
  assert.equal(keys('build.step.status'), ['type', 'time', 'step', 'status', 'done']);
  assert.equal(keys('build.warning'), ['type', 'time', 'message']);
  assert.equal(lines[8], { type: 'vertex.log', time: 300, vertex: { digest: V.make.digest, name: V.make.name }, stream: 'stdout', data: 'ing b.c\r\nlinking\r' });
  assert.equal(lines.at(-1), { type: 'build.result', time: 5000, ok: false, error: { message: 'boom', code: null } });
});

test('a successful build ends with its image id (null when none)', async () => {
  const ok = await render(cachedBuild(0), { ok: true, imageId: 'sha256:abc', durationMs: 150 });
  assert.equal(ok.at(-1), { type: 'build.result', time: 5000, ok: true, imageId: 'sha256:abc', durationMs: 150 });
  const none = await render([], { ok: true, durationMs: 1 });
  assert.equal(none, [{ type: 'build.result', time: 5000, ok: true, imageId: null, durationMs: 1 }]);
});

test.run();
