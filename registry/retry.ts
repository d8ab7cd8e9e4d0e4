/**
 * Retries with exponential back-off and full jitter for transient registry
 * failures: network errors, 5xx and 429 (honouring `Retry-After`).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  /** First delay in ms; doubles each time up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

/** Thrown by an attempt to ask for another one (carries an optional server-given delay). */
export class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The delay before retry number `attempt` (1-based): random in [d/2, d], d = base·2^(attempt-1) capped. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(d / 2 + (random() * d) / 2);
}

/** True for HTTP statuses worth retrying. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501 && status !== 505);
}

/** `Retry-After` in ms (seconds or an HTTP date), capped at 30 s; undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 30_000) : undefined;
}

/**
 * Runs `fn` until it succeeds, throws something other than a
 * {@link RetryableError}, or the attempts run out (then the last error's
 * cause, or itself, is thrown). `onRetry` sees each failure before the wait.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (err: RetryableError, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      if (attempt >= policy.attempts) throw err.cause ?? err;
      const delay = err.retryAfterMs ?? backoffDelay(policy, attempt);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, options.signal === undefined ? {} : { signal: options.signal });
    }
  }
}
