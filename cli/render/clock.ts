/**
 * Time for renderers, injectable so tests drive it: `now` for timers shown on
 * screen, `setInterval` for the tty redraw tick.
 */

/** A repeating timer; `cancel` is idempotent. */
export interface Timer {
  cancel(): void;
}

/** A source of time and repeating timers (epoch milliseconds, like event times). */
export interface Clock {
  now(): number;
  /** Calls `fn` every `ms`; the real clock's timer is unref'd so it never keeps the process alive. */
  setInterval(fn: () => void, ms: number): Timer;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};
