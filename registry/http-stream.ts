/**
 * Sends a large request body from a stream with node:http(s). Uploads go
 * through here rather than fetch, which streams request bodies markedly
 * slower; the answer is wrapped as a fetch `Response` so callers see one type.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A body read from a stream of known length (sent with Content-Length). */
export interface StreamBody {
  readonly stream: () => Readable;
  readonly length: number;
}

/** PUTs or PATCHes `body` to `url`; resolves with the response once its headers came. */
export function sendStream(url: URL, method: string, headers: Record<string, string>, body: StreamBody, signal?: AbortSignal): Promise<Response> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(body.length) }, ...(signal === undefined ? {} : { signal }) });
    const source = body.stream();
    // When the body itself fails (a blob that fails its digest check), that is the error to report,
    // not the connection reset its abort causes. Set before the request's error fires.
    let sourceError: Error | undefined;
    source.once('error', (err) => {
      sourceError = err;
    });
    req.once('response', (res: IncomingMessage) => resolve(toResponse(res)));
    // A server may answer (and close) before the body is sent; the answer wins over the write error.
    req.once('error', (err) => reject(networkError(sourceError ?? err)));
    pipeline(source, req).catch((err: unknown) => {
      req.destroy(err as Error);
    });
  });
}

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else if (v !== undefined) headers.set(k, v);
  }
  const status = res.statusCode ?? 500;
  const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
  if (noBody) res.resume();
  const body = noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: res.statusMessage ?? '', headers });
}

/** Shapes a socket error like fetch's (`TypeError` with the system error as `cause`). */
function networkError(err: Error): Error {
  if (err.name === 'AbortError') return err;
  return new TypeError('fetch failed', { cause: err });
}
