/**
 * `--restart` policies and the delay between restarts, as docker has them:
 * https://docs.docker.com/engine/containers/start-containers-automatically/
 * The delay starts at 100 ms and doubles after each restart, up to a minute;
 * a run that lasted 10 s or more resets it.
 */
import { InvalidArgumentError } from '../util/errors.js';
import type { RestartPolicy } from './types.js';

/** Parses `no`, `on-failure[:N]`, `always`, `unless-stopped`. */
export function parseRestart(text: string): RestartPolicy {
  const [name, max, ...rest] = text.split(':');
  const bad = (): never => {
    throw new InvalidArgumentError(`invalid restart policy ${JSON.stringify(text)}: expected no, on-failure[:MAX], always or unless-stopped`);
  };
  if (rest.length > 0) return bad();
  if (name === 'on-failure') {
    if (max === undefined) return { name, maxRetries: 0 };
    if (!/^\d+$/.test(max)) return bad();
    return { name, maxRetries: Number(max) };
  }
  if (max !== undefined) {
    throw new InvalidArgumentError(`invalid restart policy ${JSON.stringify(text)}: a maximum retry count applies only to on-failure`);
  }
  if (name === 'no' || name === 'always' || name === 'unless-stopped') return { name };
  return bad();
}

/** docker's spelling: `no`, `on-failure:3`, … */
export function formatRestart(p: RestartPolicy): string {
  return p.name === 'on-failure' && p.maxRetries > 0 ? `on-failure:${p.maxRetries}` : p.name;
}

/** Whether a container that exited with `exitCode` after `restarts` restarts is started again. */
export function shouldRestart(p: RestartPolicy, exitCode: number, restarts: number, stoppedByUser: boolean): boolean {
  if (stoppedByUser) return false;
  switch (p.name) {
    case 'no':
      return false;
    case 'on-failure':
      return exitCode !== 0 && (p.maxRetries === 0 || restarts < p.maxRetries);
    case 'always':
    case 'unless-stopped':
      return true;
    default: {
      const never: never = p;
      return never;
    }
  }
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const RESET_AFTER_MS = 10_000;

/** The delay before the next start, given the last delay and how long the last run lasted. */
export function nextDelay(lastDelayMs: number, ranForMs: number): number {
  if (ranForMs >= RESET_AFTER_MS || lastDelayMs === 0) return FIRST_DELAY_MS;
  return Math.min(MAX_DELAY_MS, lastDelayMs * 2);
}
