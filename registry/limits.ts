/**
 * Bounds on what kiln accepts from a registry, so a broken or hostile one
 * cannot make a pull buffer gigabytes or hang for minutes: the size of every
 * response body kiln holds in memory, and how long a response may go without
 * sending a byte.
 */
import { InvalidArgumentError } from '../util/errors.js';

/**
 * The largest manifest, index or image config kiln reads: containerd's
 * limit for the same documents (4 MiB). Real ones are a few KiB.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The largest token-service answer (a JSON object holding a token; real ones are a few KiB). */
export const MAX_TOKEN_BYTES = 1024 * 1024;

/** How much of an error response is read for its message; the rest is dropped. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** How long a response may send nothing (no headers yet, or no body bytes) before it is abandoned. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** The environment variable that overrides {@link DEFAULT_IDLE_TIMEOUT_MS}, in seconds (fractions allowed). */
export const IDLE_TIMEOUT_ENV = 'KILN_REGISTRY_IDLE_TIMEOUT';

/** The idle timeout in ms from `env` (the default when unset); a bad value is an InvalidArgumentError naming it. */
export function idleTimeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env[IDLE_TIMEOUT_ENV];
  if (value === undefined || value === '') return DEFAULT_IDLE_TIMEOUT_MS;
  const ms = /^\d+(\.\d+)?$/.test(value.trim()) ? Math.round(Number(value.trim()) * 1000) : NaN;
  if (!(ms >= 1)) throw new InvalidArgumentError(`${IDLE_TIMEOUT_ENV}=${JSON.stringify(value)}: expected a positive number of seconds, e.g. 30 or 0.5`);
  return ms;
}

/** `4 MiB`, `512 KiB`, `100 bytes`: a limit as messages show it. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
