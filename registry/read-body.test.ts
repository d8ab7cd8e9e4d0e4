import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from '../util/test-assert.js';
import { declaredLength, readBounded, readText } from './read-body.js';

/** A body that yields `chunk` forever (or `count` times), counting what the reader pulled. */
function source(chunk: Uint8Array, count = Infinity): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  let n = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (n++ >= count) return c.close();
        pulled += chunk.length;
        c.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

const limits = (limit: number) => ({
  limit,
  tooLarge: (declared: number | undefined) => new Error(`too large (${declared ?? 'streamed'})`),
  interrupted: (err: unknown) => new Error(`interrupted: ${(err as Error).message}`),
});

test('a Content-Length over the limit is refused before a byte is read', async () => {
  const s = source(new Uint8Array(1024));
  const res = new Response(s.stream, { headers: { 'content-length': String(2 ** 31) } });
  await rejects(readBounded(res, limits(4096)), /^too large \(2147483648\)$/);
  assert.is(s.pulled(), 0);
  assert.ok(s.cancelled(), 'the body is cancelled');
});

test('an endless body without Content-Length stops just past the limit', async () => {
  const s = source(new Uint8Array(1024));
  await rejects(readBounded(new Response(s.stream), limits(10_000)), /^too large \(streamed\)$/);
  assert.ok(s.pulled() <= 10_000 + 1024, `pulled ${s.pulled()}`);
  assert.ok(s.cancelled());
});

test('a Content-Length that lies low does not stretch the limit', async () => {
  const s = source(new Uint8Array(1024));
  await rejects(readBounded(new Response(s.stream, { headers: { 'content-length': '10' } }), limits(10_000)), /streamed/);
  assert.ok(s.pulled() <= 10_000 + 1024);
});

test('a body within the limit is returned whole; exactly the limit is fine', async () => {
  const s = source(new Uint8Array([1, 2, 3, 4]), 3);
  assert.equal([...(await readBounded(new Response(s.stream), limits(12)))], [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
});

test('a body that breaks off is reported by interrupted()', async () => {
  let n = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (n++ > 0) throw new Error('socket hang up');
      c.enqueue(new Uint8Array(8));
    },
  });
  await rejects(readBounded(new Response(stream), limits(100)), /^interrupted: socket hang up$/);
});

test('Content-Length counts only when no content coding is undone on the way', () => {
  assert.is(declaredLength(new Response('x', { headers: { 'content-length': '7' } })), 7);
  assert.is(declaredLength(new Response('x', { headers: { 'content-length': '7', 'content-encoding': 'gzip' } })), undefined);
  assert.is(declaredLength(new Response('x', { headers: { 'content-length': '-1' } })), undefined);
});

test('readText keeps the first `limit` bytes of an endless error body and stops there', async () => {
  const s = source(new TextEncoder().encode('abcd'));
  const text = await readText(new Response(s.stream), 10);
  assert.is(text, 'abcdabcdab');
  assert.ok(s.pulled() <= 12);
  assert.ok(s.cancelled());
});

test.run();
