import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffDelay, isRetryableStatus, parseRetryAfter, RetryableError, withRetry } from './retry.js';

const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 4 };

test('back-off doubles up to the cap, with jitter in [d/2, d]', () => {
  const p = { attempts: 9, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a, () => 1)), [100, 200, 400, 800, 1000]);
  assert.is(backoffDelay(p, 3, () => 0), 200);
});

test('retries retryable failures until success, counting attempts', async () => {
  let calls = 0;
  const got = await withRetry(async (a) => {
    calls++;
    if (a < 3) throw new RetryableError('flaky');
    return 'ok';
  }, { policy });
  assert.equal([got, calls], ['ok', 3]);
});

test('gives up after the last attempt with the cause; other errors are not retried', async () => {
  let calls = 0;
  const cause = new Error('registry down');
  try {
    await withRetry(async () => {
      calls++;
      throw new RetryableError('x', { cause });
    }, { policy });
    assert.unreachable();
  } catch (err) {
    assert.is(err, cause);
  }
  assert.is(calls, 4);
  calls = 0;
  try {
    await withRetry(async () => {
      calls++;
      throw new Error('bad request');
    }, { policy });
  } catch {
    /* expected */
  }
  assert.is(calls, 1);
});

test('retryable statuses and Retry-After', () => {
  assert.equal([429, 500, 502, 503, 504, 408].map(isRetryableStatus), [true, true, true, true, true, true]);
  assert.equal([400, 401, 404, 405, 501].map(isRetryableStatus), [false, false, false, false, false]);
  assert.is(parseRetryAfter('2'), 2000);
  assert.is(parseRetryAfter(new Date(10_000).toUTCString(), 9_000), 1000);
  assert.is(parseRetryAfter('soon'), undefined);
  assert.is(parseRetryAfter('999'), 30_000);
});

test.run();
