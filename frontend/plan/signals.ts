/**
 * STOPSIGNAL values as moby's `signal.ParseSignal` accepts them on Linux: a
 * positive number, or a name with or without `SIG` in any case.
 * See https://docs.docker.com/reference/dockerfile/#stopsignal
 */
import { InvalidArgumentError } from '../../util/errors.js';

const names = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL',
  'PROF', 'PWR', 'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1',
  'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** Throws InvalidArgumentError naming the value unless it is a signal Linux knows. */
export function checkSignal(raw: string): void {
  if (/^[+-]?\d+$/.test(raw)) {
    if (Number(raw) <= 0) throw new InvalidArgumentError(`invalid signal: ${raw}`);
    return;
  }
  const name = raw.toUpperCase().replace(/^SIG/, '');
  if (!names.has(name)) throw new InvalidArgumentError(`invalid signal: ${raw}`);
}
