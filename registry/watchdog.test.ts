import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from '../util/test-assert.js';
import { watchExchange, type Watch } from './watchdog.js';

const IDLE = 50;

function watch(extra: Partial<Watch> = {}): Watch {
  return { idleMs: IDLE, headers: true, stalled: (received) => new Error(received === undefined ? 'stalled: no response' : `stalled after ${received} bytes`), ...extra };
}

/** A body that sends `first` and then nothing until cancelled. */
function stallingBody(first: Uint8Array): { stream: ReadableStream<Uint8Array>; cancelled: () => unknown } {
  let sent = false;
  let reason: unknown;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (sent) return new Promise<void>(() => undefined);
        sent = true;
        c.enqueue(first);
        return undefined;
      },
      cancel(r) {
        reason = r;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, cancelled: () => reason };
}

test('a body that stops mid-way errors with the stall error, and the exchange is aborted', async () => {
  const body = stallingBody(new Uint8Array(10));
  let signal: AbortSignal | undefined;
  const res = await watchExchange(async (s) => ((signal = s), new Response(body.stream)), watch());
  await rejects(res.arrayBuffer(), /^stalled after 10 bytes$/);
  assert.ok(signal?.aborted, 'the exchange signal is aborted');
  assert.match(String(body.cancelled()), /stalled after 10 bytes/);
});

test('no response headers within the idle time: the exchange is aborted with the stall error', async () => {
  const never = (s: AbortSignal): Promise<Response> => new Promise((_, reject) => s.addEventListener('abort', () => reject(new Error('aborted'))));
  await rejects(watchExchange(never, watch()), /^stalled: no response$/);
});

test('uploads (headers: false) may take longer than the idle time to answer', async () => {
  const res = await watchExchange(async () => (await sleep(IDLE * 3), new Response('done')), watch({ headers: false }));
  assert.is(await res.text(), 'done');
});

test('a consumer slower than the idle time is not mistaken for a stalled registry', async () => {
  const chunks = [new Uint8Array(3), new Uint8Array(4), new Uint8Array(5)];
  const res = await watchExchange(async () => new Response(new ReadableStream<Uint8Array>({ pull: (c) => void (chunks.length > 0 ? c.enqueue(chunks.shift() as Uint8Array) : c.close()) })), watch());
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let total = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    total += r.value.byteLength;
    await sleep(IDLE * 3);
  }
  assert.is(total, 12);
});

test("the caller's own abort is passed on as is, not as a stall", async () => {
  const ac = new AbortController();
  const p = watchExchange((s) => new Promise((_, reject) => s.addEventListener('abort', () => reject(s.reason))), watch({ signal: ac.signal, idleMs: 10_000 }));
  ac.abort(new Error('ctrl-c'));
  await rejects(p, /^ctrl-c$/);
});

test('statuses without a body pass through untouched', async () => {
  const res = await watchExchange(async () => new Response(null, { status: 204 }), watch());
  assert.is(res.status, 204);
  assert.is(res.body, null);
});

test.run();
