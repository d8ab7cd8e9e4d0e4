/**
 * Running a task in a p-queue slot with cancellation that does not lie about
 * the slot. p-queue 8's own `signal` option rejects a running task's promise on
 * abort while the task goes on, freeing its slot early (and leaves a listener
 * behind); here a running task keeps its slot until it has really stopped,
 * while a task still waiting for a slot leaves at once and never starts.
 */
import type PQueue from 'p-queue';

/** Runs `fn` when `queue` has a free slot, unless `signal` aborts first (then rejects with its reason). */
export function runInSlot<T>(queue: PQueue, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const task = async (): Promise<void> => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return; // left while waiting; already rejected
      try {
        resolve(await fn());
      } catch (err) {
        reject(err);
      }
    };
    queue.add(task).catch(reject);
  });
}

/** Creates an AbortController that follows `parent`; `dispose` unhooks it (call it in `finally`). */
export function linkedController(parent: AbortSignal): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}
