import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRenderer } from './index.js';
import { failingBuild, FakeStream } from './test-support.js';

test('quiet prints only the image id, on stdout', async () => {
  const out = new FakeStream();
  const err = new FakeStream({ isTTY: true });
  const r = createRenderer('quiet', { out, err });
  for (const ev of failingBuild(0)) r.write(ev);
  assert.is(out.text + err.text, '');
  await r.done({ ok: true, imageId: 'sha256:0123abcd', durationMs: 5 });
  assert.is(out.text, 'sha256:0123abcd\n');
  assert.is(err.text, '');
});

test('quiet prints nothing on failure (the CLI reports the error)', async () => {
  const out = new FakeStream();
  const err = new FakeStream();
  const r = createRenderer('quiet', { out, err });
  for (const ev of failingBuild(0)) r.write(ev);
  await r.done({ ok: false, error: new Error('exit code: 1') });
  assert.is(out.text + err.text, '');
});

test.run();
