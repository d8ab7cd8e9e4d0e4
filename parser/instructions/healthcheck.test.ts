// HEALTHCHECK: NONE, CMD forms, duration and retries flags.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandOf, failureIn } from './test-support.js';

const hc = suite('instructions: HEALTHCHECK');
const S = 1_000_000_000;

hc('NONE disables the check', () => {
  assert.equal(commandOf('healthcheck', 'HEALTHCHECK none').health, { type: 'none' });
});

hc('NONE takes no arguments, and its flags are not looked at', () => {
  assert.is(failureIn('HEALTHCHECK NONE curl x'), '2:1 HEALTHCHECK NONE takes no arguments');
  assert.equal(commandOf('healthcheck', 'HEALTHCHECK --bogus NONE').health, { type: 'none' });
});

hc('CMD in shell form becomes CMD-SHELL; exec form keeps CMD', () => {
  const shell = commandOf('healthcheck', 'HEALTHCHECK CMD curl -f http://localhost/ || exit 1').health;
  assert.equal(shell.type === 'cmd' && shell.test, ['CMD-SHELL', 'curl -f http://localhost/ || exit 1']);
  const exec = commandOf('healthcheck', 'HEALTHCHECK cmd ["curl", "-f", "http://x/"]').health;
  assert.equal(exec.type === 'cmd' && exec.test, ['CMD', 'curl', '-f', 'http://x/']);
});

hc('durations and retries are parsed; unset ones are 0', () => {
  const h = commandOf(
    'healthcheck',
    'HEALTHCHECK --interval=1m30s --timeout=2.5s --start-period=100ms --start-interval=1h --retries=3 CMD true',
  ).health;
  assert.equal(h, {
    type: 'cmd',
    test: ['CMD-SHELL', 'true'],
    interval: 90 * S,
    timeout: 2.5 * S,
    startPeriod: 0.1 * S,
    startInterval: 3600 * S,
    retries: 3,
  });
  const d = commandOf('healthcheck', 'HEALTHCHECK --interval=0 CMD true').health;
  assert.equal(d.type === 'cmd' && [d.interval, d.timeout, d.retries], [0, 0, 0]);
});

hc('bad durations are errors at the flag with Go messages', () => {
  assert.is(failureIn('HEALTHCHECK --interval=5 CMD true'), '2:13 time: missing unit in duration "5"');
  assert.is(failureIn('HEALTHCHECK --timeout=5x CMD true'), '2:13 time: unknown unit "x" in duration "5x"');
  assert.is(failureIn('HEALTHCHECK --timeout=abc CMD true'), '2:13 time: invalid duration "abc"');
  assert.is(failureIn('HEALTHCHECK --start-period=10us CMD true'), '2:13 Interval "start-period" cannot be less than 1ms');
  assert.is(failureIn('HEALTHCHECK --interval=-1s CMD true'), '2:13 Interval "interval" cannot be less than 1ms');
});

hc('retries must be a non-negative 32-bit integer', () => {
  assert.is(failureIn('HEALTHCHECK --retries=-1 CMD true'), '2:13 --retries cannot be negative (-1)');
  assert.is(failureIn('HEALTHCHECK --retries=two CMD true'), '2:13 strconv.ParseInt: parsing "two": invalid syntax');
  assert.is(failureIn('HEALTHCHECK --retries=9999999999 CMD true'), '2:13 strconv.ParseInt: parsing "9999999999": value out of range');
});

hc('type and command are required', () => {
  assert.is(failureIn('HEALTHCHECK'), '2:1 HEALTHCHECK requires at least one argument');
  assert.is(failureIn('HEALTHCHECK CMD'), '2:1 Missing command after HEALTHCHECK CMD');
  assert.is(failureIn('HEALTHCHECK CMD []'), '2:1 Missing command after HEALTHCHECK CMD');
  assert.is(failureIn('HEALTHCHECK CMD-SHELL true'), '2:13 Unknown type "CMD-SHELL" in HEALTHCHECK (try CMD)');
});

hc('unknown flags get a hint', () => {
  assert.is(failureIn('HEALTHCHECK --intervl=1s CMD true'), '2:13 unknown flag: --intervl (did you mean interval?)');
});

hc.run();
