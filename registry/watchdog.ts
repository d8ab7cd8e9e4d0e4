/**
 * An idle watchdog for one HTTP exchange: a registry that accepts a request
 * and then sends nothing (no headers, or a body that stops mid-way) is
 * abandoned after `idleMs` without a byte, instead of holding a pull for the
 * minutes the HTTP stack would wait. The clock runs only while kiln waits for
 * the registry, never while kiln itself is slow to consume what came.
 */

export interface Watch {
  readonly idleMs: number;
  /** Whether the wait for response headers is limited too (not for uploads: a registry may verify a whole blob before it answers). */
  readonly headers: boolean;
  readonly signal?: AbortSignal | undefined;
  /** The error for a stall; `received` is the body bytes that came, undefined when no headers came. */
  readonly stalled: (received: number | undefined) => Error;
}

/**
 * Runs `exchange` with a signal that is aborted on a stall, and returns its
 * response with a body that errors (with the stall error) when it stalls.
 */
export async function watchExchange(exchange: (signal: AbortSignal) => Promise<Response>, w: Watch): Promise<Response> {
  const ac = new AbortController();
  const signal = w.signal === undefined ? ac.signal : AbortSignal.any([w.signal, ac.signal]);
  // Aborting also drops the connection, so a stalled server is not kept waiting on.
  const stall = (received: number | undefined): Error => {
    const err = w.stalled(received);
    ac.abort(err);
    return err;
  };
  const timer = w.headers ? setTimeout(() => stall(undefined), w.idleMs) : undefined;
  let res: Response;
  try {
    res = await exchange(signal);
  } catch (err) {
    if (ac.signal.aborted) throw ac.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (res.body === null || NULL_BODY.has(res.status)) return res;
  return new Response(watchBody(res.body, w.idleMs, stall), { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Statuses a Response may not be built with a body for. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** `body`, erroring with `stall(received)` when a read waits more than `ms`. */
function watchBody(body: ReadableStream<Uint8Array>, ms: number, stall: (received: number) => Error): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let timer: NodeJS.Timeout | undefined;
        const read = reader.read();
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(stall(received)), ms);
        });
        try {
          const r = await Promise.race([read, timeout]);
          if (r.done) controller.close();
          else {
            received += r.value.byteLength;
            controller.enqueue(r.value);
          }
        } catch (err) {
          read.catch(() => undefined);
          reader.cancel(err).catch(() => undefined);
          throw err;
        } finally {
          clearTimeout(timer);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Pull only when the consumer asks, so time spent waiting on the consumer is never counted.
    { highWaterMark: 0 },
  );
}
