import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REFRESH_MS, TtyRenderer } from './tty.js';
import { failingBuild, FakeClock, FakeStream, Screen, V, vref } from './test-support.js';

const WIDTH = 60;

function setup(opts: { columns?: number; rows?: number } = {}): { clock: FakeClock; err: FakeStream; r: TtyRenderer; screen: () => Screen } {
  const clock = new FakeClock(0);
  const err = new FakeStream({ isTTY: true, columns: opts.columns ?? WIDTH, ...(opts.rows === undefined ? {} : { rows: opts.rows }) });
  const r = new TtyRenderer(err, { clock, color: false });
  return { clock, err, r, screen: () => new Screen(opts.columns ?? WIDTH).feed(err.text) };
}

/** A line as the renderer aligns it: name left, timer ending one column before the edge. */
function row(name: string, timer: string, width = WIDTH): string {
  const room = width - 1 - timer.length - 1;
  return `${name.slice(0, room).padEnd(room)} ${timer}`;
}

const frames = (err: FakeStream): number => err.chunks.filter((c) => c.includes('\x1b[?25l')).length;

test('a live frame: header, the running step with its timer, its last 6 lines (the unfinished one too)', () => {
  const { clock, r, screen } = setup();
  r.write({ type: 'vertex.cached', vertex: V.from, time: 0 });
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'l1\nl2\nl3\r\nl4\nl5\nl6\nl7\npart', time: 10 });
  clock.advance(1200);
  assert.equal(screen().lines(), [
    '[+] Building 1.2s (1/2)',
    row(' => CACHED [base 1/3] FROM docker.io/library/alpine:3.19', '0.0s'),
    row(' => [build 3/4] RUN make', '1.2s'),
    ' => => # l3',
    ' => => # l4',
    ' => => # l5',
    ' => => # l6',
    ' => => # l7',
    ' => => # part',
  ]);
});

test('redraws in place: a shorter frame leaves nothing behind; the end is a static summary and no timer runs', async () => {
  const { clock, err, r, screen } = setup();
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'a\nb\nc\n', time: 0 });
  clock.advance(500);
  r.write({ type: 'vertex.completed', vertex: V.make, durationMs: 700, time: 700 });
  clock.advance(300);
  assert.equal(screen().lines(), ['[+] Building 0.8s (1/1)', row(' => [build 3/4] RUN make', '0.7s')]);
  assert.ok(frames(err) >= 8, `frames: ${frames(err)}`);
  assert.is(clock.activeTimers, 1);
  await r.done({ ok: true, imageId: 'sha256:abc', durationMs: 900 });
  assert.is(clock.activeTimers, 0);
  assert.equal(screen().lines(), ['[+] Building 0.8s (1/1) FINISHED', row(' => [build 3/4] RUN make', '0.7s')]);
  assert.is(screen().overflows, 0);
  const n = err.chunks.length;
  clock.advance(1000);
  r.write({ type: 'vertex.started', vertex: V.test, time: 2000 });
  assert.is(err.chunks.length, n, 'nothing drawn after done');
});

test('refresh is at most 10 Hz: a burst of events draws once, then the timer redraws', () => {
  const { clock, err, r } = setup();
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  for (let i = 0; i < 50; i++) r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: `line ${i}\n`, time: 0 });
  assert.is(frames(err), 1);
  clock.advance(1000);
  assert.is(frames(err), 1 + 1000 / REFRESH_MS);
});

test('events streaming in while the timer ticks still draw at most 10 frames a second', () => {
  const { clock, err, r } = setup();
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  for (let i = 0; i < 200; i++) {
    clock.advance(5);
    r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: `line ${i}\n`, time: clock.now() });
  }
  assert.ok(frames(err) <= 11, `${frames(err)} frames in 1 s`);
  assert.ok(frames(err) >= 9, `${frames(err)} frames in 1 s`);
});

test('no timer before the first event, none after done; a failed build ends with the error block and warnings', async () => {
  const { clock, r, screen } = setup();
  assert.is(clock.activeTimers, 0);
  for (const ev of failingBuild(0)) {
    clock.advance(ev.time - clock.now());
    r.write(ev);
  }
  assert.is(clock.activeTimers, 1);
  await r.done({ ok: false, error: new Error('failed') });
  assert.is(clock.activeTimers, 0);
  assert.equal(screen().lines(), [
    '[+] Building 1.0s (6/6)',
    row(' => [internal] load build definition from Dockerfile', '0.0s'),
    row(' => => transferring dockerfile: 120B', '0.0s'),
    row(' => CACHED [base 1/3] FROM docker.io/library/alpine:3.19', '0.0s'),
    row(' => CACHED [base 2/3] RUN apk add --no-cache make', '0.0s'),
    row(' => [build 3/4] RUN make', '0.7s'),
    row(' => ERROR [test 2/2] RUN ./test.sh', '0.6s'),
    row(' => CANCELED [build 4/4] RUN sleep 10', '0.5s'),
    '------',
    ' > [test 2/2] RUN ./test.sh:',
    '0.080 ok 1',
    '0.480 not ok 2',
    '------',
    '',
    ' 1 warning found:',
    ' - build-arg FOO was not consumed',
  ]);
});

test('width-aware: long names, escapes, tabs and wide characters never reach the last column', () => {
  const { clock, r, screen } = setup({ columns: 30 });
  const long = vref(`[build 2/4] RUN ${'x'.repeat(80)}`);
  r.write({ type: 'vertex.started', vertex: long, time: 0 });
  r.write({ type: 'vertex.log', vertex: long, stream: 'stdout', data: '\x1b[31mred\x1b[0m\ttab 世界世界世界世界世界世界世界世界\n\x07bell\n', time: 0 });
  clock.advance(300);
  const s = screen();
  assert.is(s.overflows, 0);
  for (const l of s.lines()) assert.ok(l.length <= 29, l);
  assert.equal(s.lines().slice(2), [' => => # red     tab 世界世界', ' => => # bell']);
});

test('the live block keeps within the terminal height; the summary lists every step', async () => {
  const { clock, r, screen } = setup({ rows: 8 });
  for (let i = 0; i < 20; i++) r.write({ type: 'vertex.cached', vertex: vref(`[s ${i}/20] RUN true`), time: 0 });
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'a\nb\n', time: 0 });
  clock.advance(200);
  assert.equal(screen().lines(), [
    '[+] Building 0.2s (20/21)',
    row(' => CACHED [s 17/20] RUN true', '0.0s'),
    row(' => CACHED [s 18/20] RUN true', '0.0s'),
    row(' => CACHED [s 19/20] RUN true', '0.0s'),
    row(' => [build 3/4] RUN make', '0.2s'),
    ' => => # a',
    ' => => # b',
  ]);
  r.write({ type: 'vertex.completed', vertex: V.make, durationMs: 200, time: 200 });
  await r.done({ ok: true, durationMs: 200 });
  const final = screen().lines();
  assert.is(final.length, 22);
  assert.is(final[0], '[+] Building 0.2s (21/21) FINISHED');
});

test('colors: finished steps blue, errors red, log lines dim; NO_COLOR-style off leaves none', async () => {
  const clock = new FakeClock(0);
  const err = new FakeStream({ isTTY: true, columns: 80 });
  const r = new TtyRenderer(err, { clock, color: true });
  r.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  r.write({ type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'hi\n', time: 0 });
  clock.advance(REFRESH_MS);
  assert.match(err.text, '\x1b[2m => => # hi\x1b[0m');
  r.write({ type: 'vertex.error', vertex: V.make, durationMs: 1, message: 'x', time: 1 });
  r.write({ type: 'vertex.cached', vertex: V.from, time: 1 });
  await r.done({ ok: false, error: 'x' });
  assert.match(err.text, '\x1b[31m => ERROR [build 3/4] RUN make');
  assert.match(err.text, '\x1b[34m => CACHED [base 1/3]');
  const { err: plainErr, r: r2 } = setup();
  r2.write({ type: 'vertex.started', vertex: V.make, time: 0 });
  await r2.done({ ok: false, error: 'x' });
  assert.not.match(plainErr.text, /\x1b\[[0-9;]*m/);
});

test.run();
