/**
 * Single flight for downloads across kiln processes sharing a root: a blob is
 * written through a content-store ingest named after its digest, and the
 * store lets only one live writer hold an ingest ref (a second gets
 * FailedPreconditionError; a holder that died is taken over). So a pull that
 * finds the ref held waits, and then uses the blob the holder committed, or
 * takes the ref when the holder gave up or was killed. Nothing is downloaded
 * while waiting, so each blob crosses the network once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContentStore, ContentWriter } from '../cache/content/index.js';
import type { Digest } from '../util/digest.js';
import { FailedPreconditionError } from '../util/errors.js';

/** How often a waiting pull looks again (ms): the first retry, and the most it backs off to. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 500;

/**
 * A writer holding the ingest `ref` for the blob `digest`, or undefined as
 * soon as that blob is in the store (committed by another writer meanwhile).
 * `onWait` is called once if another writer holds the ref.
 */
export async function claimIngest(content: ContentStore, ref: string, digest: Digest, options: { signal?: AbortSignal | undefined; onWait?: () => void } = {}): Promise<ContentWriter | undefined> {
  const signal = options.signal;
  for (let delay = FIRST_POLL_MS, waited = false; ; delay = Math.min(delay * 2, MAX_POLL_MS)) {
    signal?.throwIfAborted();
    if (await content.has(digest)) return undefined;
    let writer: ContentWriter | undefined;
    try {
      writer = await content.writer(signal === undefined ? { ref } : { ref, signal });
    } catch (err) {
      if (!(err instanceof FailedPreconditionError)) throw err;
    }
    if (writer !== undefined) {
      // The holder before us may have committed between the check and the claim.
      if (!(await content.has(digest))) return writer;
      await writer.abort();
      return undefined;
    }
    if (!waited) options.onWait?.();
    waited = true;
    await sleep(delay, undefined, signal === undefined ? {} : { signal });
  }
}
