import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatRestart, nextDelay, parseRestart, shouldRestart } from './restart.js';

const test = suite('restart policies');

test('parse and format docker spellings; bad ones name the policy', () => {
  assert.equal(parseRestart('no'), { name: 'no' });
  assert.equal(parseRestart('on-failure'), { name: 'on-failure', maxRetries: 0 });
  assert.equal(parseRestart('on-failure:3'), { name: 'on-failure', maxRetries: 3 });
  assert.equal(parseRestart('unless-stopped'), { name: 'unless-stopped' });
  assert.is(formatRestart(parseRestart('on-failure:3')), 'on-failure:3');
  assert.is(formatRestart(parseRestart('always')), 'always');
  assert.throws(() => parseRestart('sometimes'), /invalid restart policy "sometimes": expected no, on-failure\[:MAX\], always or unless-stopped/);
  assert.throws(() => parseRestart('always:2'), /a maximum retry count applies only to on-failure/);
  assert.throws(() => parseRestart('on-failure:x'), /invalid restart policy/);
});

test('who restarts: on-failure counts, always ignores the code, a user stop wins', () => {
  const onFailure2 = parseRestart('on-failure:2');
  assert.equal([0, 1, 2].map((n) => shouldRestart(onFailure2, 1, n, false)), [true, true, false]);
  assert.is(shouldRestart(onFailure2, 0, 0, false), false);
  assert.is(shouldRestart(parseRestart('on-failure'), 3, 1000, false), true);
  assert.is(shouldRestart(parseRestart('always'), 0, 50, false), true);
  assert.is(shouldRestart(parseRestart('unless-stopped'), 0, 0, true), false);
  assert.is(shouldRestart(parseRestart('no'), 1, 0, false), false);
});

test('the delay doubles up to a minute and starts over after a long run', () => {
  let d = 0;
  const seen: number[] = [];
  for (let i = 0; i < 12; i++) seen.push((d = nextDelay(d, 5)));
  assert.equal(seen.slice(0, 4), [100, 200, 400, 800]);
  assert.is(seen[seen.length - 1], 60_000);
  assert.is(nextDelay(60_000, 10_000), 100);
});

test.run();
