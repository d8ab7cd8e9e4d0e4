// `kiln build --progress json` (or rawjson) as a program reads it: stderr is
// JSON lines to the last byte, on success and on every kind of failure, and a
// failure ends with an `error` event carrying its location and code frame.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { jsonLines } from '../util/test-json.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

interface Event {
  readonly type: string;
  readonly [k: string]: unknown;
}

if (e2eReady('progress json e2e', ['runc'])) {
  const test = suite('progress json e2e');
  const fx = kilnFixture('pjson');
  let ctx = '';
  test.before(async () => {
    await fx.baseImage();
    ctx = await fx.context('ctx', {
      Dockerfile: 'FROM bb\nRUN echo hello from run\n',
      'fail.Dockerfile': 'FROM bb\nRUN echo about to fail\nRUN echo bad; \\\n  exit 4\n',
      'syntax.Dockerfile': 'FROM bb\nCOPYY a b\n',
    });
  });
  test.after(() => fx.cleanup());

  /** Every stderr line parses as JSON (the text ends with a newline) and stdout is empty. */
  const events = (r: KilnRun): Event[] => {
    assert.is(r.stdout, '');
    assert.ok(r.stderr.endsWith('\n'), 'ends with a newline');
    const lines = r.stderr.slice(0, -1).split('\n');
    for (const l of lines) assert.not.throws(() => JSON.parse(l), `not JSON: ${l}`);
    return jsonLines<Event>(r.stderr);
  };

  test('a good build: step events, the RUN output, then the result', () => {
    const r = fx.kiln(['build', '--no-cache', '--progress', 'rawjson', ctx]);
    assert.is(r.code, 0, r.stderr);
    const ev = events(r);
    assert.ok(ev.some((e) => e.type === 'vertex.log' && String(e.data).includes('hello from run')));
    assert.equal(ev.at(-1)?.type, 'build.result');
    assert.is(ev.at(-1)?.ok, true);
  });

  test('a failed RUN: the error event has the location, the frame and the exit code', () => {
    const r = fx.kiln(['build', '--progress', 'json', '-f', join(ctx, 'fail.Dockerfile'), ctx]);
    assert.is(r.code, 1);
    const last = events(r).at(-1) as Event;
    assert.is(last.type, 'error');
    assert.is(last.exitCode, 1);
    assert.is(last.code, 'VERTEX');
    assert.match(String(last.message), /exit code: 4/);
    assert.equal(last.location, { file: join(ctx, 'fail.Dockerfile'), line: 3, column: 1, endLine: 4, endColumn: 9 });
    assert.match(String(last.frame), /> 3 \| RUN echo bad; \\\n> 4 \|   exit 4/);
  });

  test('a syntax error, a missing Dockerfile and a bad flag are JSON too', () => {
    const syntax = events(fx.kiln(['build', '--progress', 'json', '-f', join(ctx, 'syntax.Dockerfile'), ctx])).at(-1) as Event;
    assert.equal([syntax.type, syntax.code, (syntax.location as { line: number }).line], ['error', 'DOCKERFILE_SYNTAX', 2]);
    assert.match(String(syntax.frame), /> 2 \| COPYY a b/);
    const missing = fx.kiln(['build', '--progress', 'json', '-f', join(ctx, 'nope'), ctx]);
    assert.equal(events(missing).map((e) => [e.type, e.code, e.location]), [['error', 'NOT_FOUND', null]]);
    const usage = fx.kiln(['build', '--progress=json', '--bogus', ctx]);
    assert.is(usage.code, 2);
    assert.equal(events(usage).map((e) => [e.type, e.message, e.exitCode]), [['error', "unknown option '--bogus'", 2]]);
  });

  test.run();
}
