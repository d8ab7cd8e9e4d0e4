/**
 * Blob uploads: a monolithic upload (POST a session, then PUT the whole blob
 * with `?digest=`), falling back to a chunked one (PATCH with Content-Range,
 * then PUT `?digest=`) when the registry refuses a monolithic PUT, and back
 * the other way for a registry that refuses chunks. A failed attempt starts a
 * new session.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../util/digest.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { RetryableError, withRetry } from './retry.js';

/** A blob to upload: its digest, size, and a way to read any byte range of it (end exclusive). */
export interface UploadSource {
  readonly digest: Digest;
  readonly size: number;
  readonly open: (start: number, end: number) => Readable;
}

export interface UploadTarget {
  readonly client: RegistryClient;
  readonly path: string;
  readonly scopes: readonly string[];
  readonly subject: string;
  readonly signal?: AbortSignal | undefined;
  /** Bytes per PATCH in a chunked upload (default 32 MiB). */
  readonly chunkSize?: number;
}

/** Statuses by which a registry says "not this way" to an upload method. */
const REFUSED = new Set([400, 404, 405, 411, 413, 415, 416, 501]);

/** Uploads `blob`, retrying transient failures with a new session each time. */
export async function uploadBlob(t: UploadTarget, blob: UploadSource): Promise<void> {
  await withRetry(() => uploadOnce(t, blob), { policy: t.client.retryPolicy, ...(t.signal === undefined ? {} : { signal: t.signal }) });
}

async function uploadOnce(t: UploadTarget, blob: UploadSource): Promise<void> {
  const modes = t.client.uploadModes;
  if (modes.monolithic) {
    const res = await transient(() => monolithic(t, blob));
    if (res.status === 201) return;
    if (!REFUSED.has(res.status) || !modes.chunked) throw await t.client.error(res, `upload of ${blob.digest} to ${t.subject}`);
    await res.body?.cancel();
    modes.monolithic = false;
  }
  const res = await transient(() => chunked(t, blob));
  if (res.status === 201) return;
  if (REFUSED.has(res.status) && modes.chunked) {
    await res.body?.cancel();
    modes.chunked = false;
    if (!modes.monolithic) {
      modes.monolithic = true;
      const again = await transient(() => monolithic(t, blob));
      if (again.status === 201) return;
      throw await t.client.error(again, `upload of ${blob.digest} to ${t.subject}`);
    }
  }
  throw await t.client.error(res, `upload of ${blob.digest} to ${t.subject}`);
}

/** Turns a network failure during an upload into a retry of the whole upload. */
async function transient(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RegistryError && err.kind === 'unreachable') throw new RetryableError(err.message, { cause: err });
    throw err;
  }
}

/** POST /v2/<name>/blobs/uploads/ → the session's location. */
async function startSession(t: UploadTarget): Promise<string> {
  const res = await t.client.send({ method: 'POST', url: `/v2/${t.path}/blobs/uploads/`, scopes: t.scopes, headers: { 'content-length': '0' }, signal: t.signal });
  const location = res.headers.get('location');
  if (res.status !== 202 || location === null) throw await t.client.error(res, `starting an upload to ${t.subject}`);
  await res.body?.cancel();
  return t.client.resolve(location).toString();
}

function withDigest(location: string, digest: Digest): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.toString();
}

async function monolithic(t: UploadTarget, blob: UploadSource): Promise<Response> {
  const location = await startSession(t);
  return t.client.send({
    method: 'PUT',
    url: withDigest(location, blob.digest),
    scopes: t.scopes,
    headers: { 'content-type': 'application/octet-stream' },
    body: () => ({ stream: () => blob.open(0, blob.size), length: blob.size }),
    signal: t.signal,
    retry: false,
  });
}

/** PATCHes the blob in ranges, then closes the session; returns the first refusal or the final answer. */
async function chunked(t: UploadTarget, blob: UploadSource): Promise<Response> {
  let location = await startSession(t);
  const step = t.chunkSize ?? 32 * 1024 * 1024;
  for (let start = 0; start < blob.size; start += step) {
    const end = Math.min(start + step, blob.size);
    const res = await t.client.send({
      method: 'PATCH',
      url: location,
      scopes: t.scopes,
      headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
      body: () => ({ stream: () => blob.open(start, end), length: end - start }),
      signal: t.signal,
      retry: false,
    });
    const next = res.headers.get('location');
    if (res.status !== 202 || next === null) return res;
    await res.body?.cancel();
    location = t.client.resolve(next).toString();
  }
  return t.client.send({ method: 'PUT', url: withDigest(location, blob.digest), scopes: t.scopes, headers: { 'content-length': '0' }, signal: t.signal, retry: false });
}
