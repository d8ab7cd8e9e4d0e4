/**
 * Single-flight with shared cancellation (BuildKit's util/flightcontrol): the
 * first call for a key starts the work, later calls for the same key while it
 * runs join it. Each caller may leave early through its own signal; the work
 * itself is aborted only when every caller has left, so one impatient caller
 * never cancels work another still waits for.
 */

/** A flight in progress, as {@link SingleFlight.pending} reports it. */
export interface PendingFlight {
  /** Aborted once every caller has left (or never, while one without a signal waits). */
  readonly signal: AbortSignal;
  /** Settles when the work function has returned or thrown; never rejects. */
  readonly done: Promise<void>;
}

interface Flight<V> {
  readonly controller: AbortController;
  readonly promise: Promise<V>;
  readonly done: Promise<void>;
  /** Callers still waiting, counting only those that can leave; Infinity once a signal-less caller joined. */
  waiting: number;
}

/** Deduplicates concurrent calls by key. */
export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();
  /** Every flight whose work has not returned, including aborted ones a newer flight replaced in the map. */
  readonly #running = new Set<Flight<V>>();

  /**
   * Runs `fn` for `key`, or joins the run in flight. Rejects with
   * `signal.reason` as soon as this caller's `signal` aborts, whether or not the
   * shared work stops. A flight whose callers have all left is never joined:
   * a new caller starts a fresh one.
   */
  do(key: K, fn: (signal: AbortSignal) => Promise<V>, signal?: AbortSignal): Promise<V> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    let flight = this.#flights.get(key);
    if (flight === undefined || flight.controller.signal.aborted) flight = this.#start(key, fn);
    return this.#join(flight, signal);
  }

  /** The flights running now (for a caller that must wait for aborted work to stop). */
  pending(): PendingFlight[] {
    return [...this.#running].map((f) => ({ signal: f.controller.signal, done: f.done }));
  }

  #start(key: K, fn: (signal: AbortSignal) => Promise<V>): Flight<V> {
    const controller = new AbortController();
    // Started on the next microtask so that `fn` calling back into this flight group sees the entry.
    const promise = Promise.resolve().then(() => fn(controller.signal));
    const flight: Flight<V> = {
      controller,
      promise,
      waiting: 0,
      done: promise.then(
        () => this.#finish(key, flight),
        () => this.#finish(key, flight),
      ),
    };
    this.#flights.set(key, flight);
    this.#running.add(flight);
    return flight;
  }

  #finish(key: K, flight: Flight<V>): void {
    this.#running.delete(flight);
    if (this.#flights.get(key) === flight) this.#flights.delete(key);
  }

  #join(flight: Flight<V>, signal: AbortSignal | undefined): Promise<V> {
    if (signal === undefined) {
      flight.waiting = Infinity;
      return flight.promise;
    }
    flight.waiting++;
    return new Promise<V>((resolve, reject) => {
      const onAbort = (): void => {
        if (--flight.waiting === 0) flight.controller.abort(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
