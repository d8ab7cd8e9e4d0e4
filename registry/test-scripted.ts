/**
 * A scriptable registry for tests, a small node:http server on 127.0.0.1:
 * each path answers what the test sets (an honest image, or a registry that
 * breaks the rules: endless or oversized bodies, sizes and digests that lie,
 * bodies that stall), and every GET is counted per path.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MediaType } from '../store/index.js';
import { makeTar } from '../store/image/testing.js';
import { sha256, type Digest } from '../util/digest.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ScriptedRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** Sets what `path` (e.g. `/v2/x/manifests/1`) answers. */
  on(path: string, handler: Handler): void;
  /** GET requests `path` has had. */
  gets(path: string): number;
  /** Serves `image` honestly as `repo:tag` (manifest by tag and digest, config, layers). */
  serve(repo: string, tag: string, image: TestImage): void;
  stop(): Promise<void>;
}

export interface TestBlob {
  readonly digest: Digest;
  readonly size: number;
  readonly bytes: Buffer;
}

/** A one-platform image: gzip layers of random content, so no two test images share a layer. */
export interface TestImage {
  readonly manifest: TestBlob;
  readonly config: TestBlob;
  readonly layers: readonly TestBlob[];
}

function blob(bytes: Buffer | string): TestBlob {
  const b = Buffer.from(bytes);
  return { digest: sha256(b), size: b.length, bytes: b };
}

/** An image manifest for `config` and `layers`; descriptors may lie about sizes. */
export function makeManifest(config: { digest: Digest; size: number }, layers: readonly { digest: Digest; size: number }[]): TestBlob {
  return blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.manifest,
      config: { mediaType: MediaType.config, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: MediaType.layerGzip, digest: l.digest, size: l.size })),
    }),
  );
}

/** A new image of `layerCount` layers, each holding one file of `layerBytes` random bytes. */
export async function makeTestImage(layerCount = 1, layerBytes = 4096): Promise<TestImage> {
  const layers: TestBlob[] = [];
  const diffIDs: Digest[] = [];
  for (let i = 0; i < layerCount; i++) {
    const tar = await makeTar([{ name: `layer-${i}`, body: randomBytes(layerBytes).toString('latin1') }]);
    diffIDs.push(sha256(tar));
    layers.push(blob(gzipSync(tar)));
  }
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: diffIDs } }));
  return { manifest: makeManifest(config, layers), config, layers };
}

/** Answers `body` with a Content-Length (`length`, default the true one) or, with `length: null`, chunked. */
export function sendBytes(body: Buffer, options: { length?: number | null; headers?: Record<string, string> } = {}): Handler {
  return (_req, res) => {
    const length = options.length === undefined ? body.length : options.length;
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(length === null ? {} : { 'content-length': String(length) }), ...options.headers });
    res.on('error', () => undefined);
    if (length === null) res.write(body);
    res.end(length === null ? undefined : body);
  };
}

/** What an endless body got out before the client hung up. */
export interface Sent {
  bytes: number;
}

/**
 * Streams `prefix` then zeros up to `total` bytes, at the pace the client
 * reads; with `length` announced as Content-Length (null: chunked). `sent`
 * counts what the socket took.
 */
export function sendEndless(prefix: Buffer, total: number, sent: Sent, length: number | null = null): Handler {
  return async (_req, res) => {
    res.writeHead(200, { 'content-type': MediaType.manifest, ...(length === null ? {} : { 'content-length': String(length) }) });
    res.on('error', () => undefined);
    let closed = false;
    const gone = new Promise<void>((r) => res.once('close', () => r((closed = true) && undefined)));
    const filler = Buffer.alloc(256 * 1024, 0x61);
    for (let off = 0; off < total && !closed; ) {
      const chunk = off === 0 ? Buffer.concat([prefix, filler]).subarray(0, filler.length) : filler.subarray(0, Math.min(filler.length, total - off));
      off += chunk.length;
      if (!res.write(chunk)) await Promise.race([once(res, 'drain').catch(() => undefined), gone]);
      if (!closed) sent.bytes = off;
    }
    if (!closed) res.end();
  };
}

/** Sends headers (Content-Length `length`) and `prefix`, then nothing more, ever. */
export function sendStalled(prefix: Buffer, length: number): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': MediaType.manifest, 'content-length': String(length) });
    res.on('error', () => undefined);
    res.write(prefix);
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Starts the registry; every path not set answers 404 with a distribution-spec error. */
export async function startScriptedRegistry(): Promise<ScriptedRegistry> {
  const handlers = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'GET') counts.set(path, (counts.get(path) ?? 0) + 1);
    if (path === '/v2/') return json(res, 200, {});
    const h = handlers.get(path);
    if (h === undefined) {
      const code = path.includes('/manifests/') ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN';
      return json(res, 404, { errors: [{ code, message: 'unknown' }] });
    }
    Promise.resolve(h(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const on = (path: string, handler: Handler): void => void handlers.set(path, handler);
  return {
    host,
    on,
    gets: (path) => counts.get(path) ?? 0,
    serve: (repo, tag, image) => {
      const manifest = sendBytes(image.manifest.bytes, { headers: { 'content-type': MediaType.manifest, 'docker-content-digest': image.manifest.digest } });
      on(`/v2/${repo}/manifests/${tag}`, manifest);
      on(`/v2/${repo}/manifests/${image.manifest.digest}`, manifest);
      for (const b of [image.config, ...image.layers]) on(`/v2/${repo}/blobs/${b.digest}`, sendBytes(b.bytes));
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
