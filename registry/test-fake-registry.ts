/**
 * An in-process OCI distribution registry for unit tests of the client: a
 * node:http server on 127.0.0.1 that keeps repositories in memory and speaks
 * enough of the spec for pull and push (blobs, manifests by tag and digest,
 * monolithic and chunked uploads, cross-repository mounts), optionally behind
 * Basic auth or the Bearer token flow. Tests can make it refuse an upload
 * mode, fail the next requests to a path, and read the requests it got.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256 } from '../util/digest.js';

/** Who may do what: anonymous, Basic, or Bearer tokens from the registry's own `/token`. */
export type FakeAuth = { readonly kind: 'none' } | { readonly kind: 'basic' | 'bearer'; readonly user: string; readonly password: string };

export interface FakeRegistryOptions {
  readonly auth?: FakeAuth;
  /** Answer a monolithic PUT (a whole blob with `?digest=` on a fresh session) with 405. */
  readonly refuseMonolithic?: boolean;
  /** Answer PATCH with 405 (a registry without chunked uploads). */
  readonly refuseChunked?: boolean;
}

/** One request the registry got: method, path and query, and the Authorization scheme used. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly auth: string | undefined;
}

export interface FakeRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  readonly requests: readonly SeenRequest[];
  /** The blob `digest` of `repo`, if stored. */
  blob(repo: string, digest: string): Buffer | undefined;
  /** The manifest `repo:ref` (tag or digest) and its media type, if stored. */
  manifest(repo: string, ref: string): { bytes: Buffer; mediaType: string } | undefined;
  /** Stores content directly (as if pushed by someone else). */
  putBlob(repo: string, bytes: Buffer): string;
  putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): string;
  /** Makes `repo` answer `bytes` for `digest` (a registry that serves damaged or forged content). */
  tamper(repo: string, digest: string, bytes: Buffer): void;
  /** The next `times` requests whose path contains `pathPart` answer `status`. */
  failNext(pathPart: string, status: number, times?: number): void;
  /** Tokens the token endpoint has issued, with their scopes. */
  readonly tokens: readonly { token: string; scopes: readonly string[] }[];
  stop(): Promise<void>;
}

interface Repo {
  readonly blobs: Map<string, Buffer>;
  readonly manifests: Map<string, { bytes: Buffer; mediaType: string }>;
}

interface Upload {
  readonly repo: string;
  readonly chunks: Buffer[];
  size: number;
}

const ROUTE = /^\/v2\/(.+?)\/(blobs\/uploads\/(.*)|blobs\/(sha256:[a-f0-9]{64})|manifests\/([^/]+))$/;

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function error(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ errors: [{ code, message }] }));
}

/** Starts an empty registry; stop it with `stop()`. */
export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const auth = options.auth ?? { kind: 'none' };
  const repos = new Map<string, Repo>();
  const uploads = new Map<string, Upload>();
  const failures: { pathPart: string; status: number; left: number }[] = [];
  const requests: SeenRequest[] = [];
  const tokens: { token: string; scopes: string[] }[] = [];
  let host = '';

  const repo = (name: string): Repo => {
    let r = repos.get(name);
    if (r === undefined) repos.set(name, (r = { blobs: new Map(), manifests: new Map() }));
    return r;
  };
  const basic = auth.kind === 'none' ? '' : `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;

  /** True when the request may go on; otherwise it has been answered 401. */
  const authorized = (req: IncomingMessage, res: ServerResponse, scope: string | undefined): boolean => {
    if (auth.kind === 'none') return true;
    const given = req.headers.authorization;
    if (auth.kind === 'basic') {
      if (given === basic) return true;
      error(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="fake"' });
      return false;
    }
    const token = given?.startsWith('Bearer ') === true ? given.slice(7) : undefined;
    const issued = tokens.find((t) => t.token === token);
    if (issued !== undefined && (scope === undefined || issued.scopes.some((s) => covers(s, scope)))) return true;
    const challenge = `Bearer realm="http://${host}/token",service="fake"${scope === undefined ? '' : `,scope="${scope}"`}`;
    error(res, 401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': challenge });
    return false;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) error(res, 500, 'UNKNOWN', (err as Error).message);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const method = req.method ?? 'GET';
    requests.push({ method, path: url.pathname, query: url.search, auth: req.headers.authorization?.split(' ')[0] });
    const failure = failures.find((f) => f.left > 0 && url.pathname.includes(f.pathPart));
    if (failure !== undefined) {
      failure.left--;
      await body(req);
      return error(res, failure.status, 'UNAVAILABLE', 'injected failure');
    }
    if (url.pathname === '/token') {
      if (auth.kind !== 'bearer' || req.headers.authorization !== basic) return error(res, 401, 'UNAUTHORIZED', 'bad credentials');
      const token = randomUUID();
      tokens.push({ token, scopes: url.searchParams.getAll('scope') });
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ token, expires_in: 300 }));
    }
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      if (!authorized(req, res, undefined)) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{}');
    }
    const m = ROUTE.exec(url.pathname);
    if (m === null) return error(res, 404, 'NAME_UNKNOWN', `no route for ${url.pathname}`);
    const name = m[1] as string;
    const write = method !== 'GET' && method !== 'HEAD';
    if (!authorized(req, res, `repository:${name}:${write ? 'pull,push' : 'pull'}`)) return;
    if (m[2]?.startsWith('blobs/uploads/') === true) return uploadRoute(req, res, name, m[3] ?? '', url);
    if (m[4] !== undefined) return blobRoute(req, res, name, m[4]);
    return manifestRoute(req, res, name, m[5] as string);
  }

  function blobRoute(req: IncomingMessage, res: ServerResponse, name: string, digest: string): void {
    const b = repos.get(name)?.blobs.get(digest);
    if (b === undefined) return error(res, 404, 'BLOB_UNKNOWN', `blob ${digest} unknown to ${name}`);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(b.length), 'docker-content-digest': digest });
    res.end(req.method === 'HEAD' ? undefined : b);
  }

  async function manifestRoute(req: IncomingMessage, res: ServerResponse, name: string, ref: string): Promise<void> {
    if (req.method === 'PUT') {
      const bytes = await body(req);
      const mediaType = req.headers['content-type'] ?? '';
      let parsed: { layers?: { digest: string }[]; config?: { digest: string }; manifests?: { digest: string }[] };
      try {
        parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
      } catch {
        return error(res, 400, 'MANIFEST_INVALID', 'not JSON');
      }
      const r = repo(name);
      for (const d of [...(parsed.layers ?? []), ...(parsed.config === undefined ? [] : [parsed.config])]) {
        if (!r.blobs.has(d.digest)) return error(res, 400, 'MANIFEST_BLOB_UNKNOWN', `blob ${d.digest} unknown`);
      }
      for (const d of parsed.manifests ?? []) {
        if (!r.manifests.has(d.digest)) return error(res, 400, 'MANIFEST_UNKNOWN', `manifest ${d.digest} unknown`);
      }
      const digest = sha256(bytes);
      if (ref.startsWith('sha256:') && ref !== digest) return error(res, 400, 'DIGEST_INVALID', 'digest mismatch');
      r.manifests.set(ref, { bytes, mediaType });
      r.manifests.set(digest, { bytes, mediaType });
      res.writeHead(201, { location: `/v2/${name}/manifests/${digest}`, 'docker-content-digest': digest });
      return void res.end();
    }
    const found = repos.get(name)?.manifests.get(ref);
    if (found === undefined) return error(res, 404, 'MANIFEST_UNKNOWN', `manifest ${ref} unknown to ${name}`);
    res.writeHead(200, { 'content-type': found.mediaType, 'content-length': String(found.bytes.length), 'docker-content-digest': sha256(found.bytes) });
    res.end(req.method === 'HEAD' ? undefined : found.bytes);
  }

  async function uploadRoute(req: IncomingMessage, res: ServerResponse, name: string, id: string, url: URL): Promise<void> {
    const data = await body(req);
    if (req.method === 'POST' && id === '') {
      const mount = url.searchParams.get('mount');
      const from = url.searchParams.get('from');
      if (mount !== null && from !== null) {
        const b = repos.get(from)?.blobs.get(mount);
        if (b !== undefined) {
          repo(name).blobs.set(mount, b);
          res.writeHead(201, { location: `/v2/${name}/blobs/${mount}`, 'docker-content-digest': mount });
          return void res.end();
        }
      }
      const uuid = randomUUID();
      uploads.set(uuid, { repo: name, chunks: [], size: 0 });
      res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${uuid}`, range: '0-0', 'docker-upload-uuid': uuid });
      return void res.end();
    }
    const up = uploads.get(id);
    if (up === undefined || up.repo !== name) return error(res, 404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown`);
    if (req.method === 'PATCH') {
      if (options.refuseChunked === true) return error(res, 405, 'UNSUPPORTED', 'chunked uploads are off');
      const range = /^(\d+)-(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
      if (range !== null && Number(range[1]) !== up.size) return error(res, 416, 'BLOB_UPLOAD_INVALID', `range starts at ${range[1]}, expected ${up.size}`);
      up.chunks.push(data);
      up.size += data.length;
      res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${id}`, range: `0-${up.size - 1}` });
      return void res.end();
    }
    if (req.method === 'PUT') {
      if (options.refuseMonolithic === true && up.size === 0 && data.length > 0) return error(res, 405, 'UNSUPPORTED', 'monolithic uploads are off');
      const digest = url.searchParams.get('digest') ?? '';
      const whole = Buffer.concat([...up.chunks, data]);
      uploads.delete(id);
      if (sha256(whole) !== digest) return error(res, 400, 'DIGEST_INVALID', `content is ${sha256(whole)}, not ${digest}`);
      repo(name).blobs.set(digest, whole);
      res.writeHead(201, { location: `/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest });
      return void res.end();
    }
    return error(res, 405, 'UNSUPPORTED', `${req.method} on an upload`);
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    tokens,
    blob: (name, digest) => repos.get(name)?.blobs.get(digest),
    manifest: (name, ref) => repos.get(name)?.manifests.get(ref),
    putBlob: (name, bytes) => {
      const d = sha256(bytes);
      repo(name).blobs.set(d, bytes);
      return d;
    },
    putManifest: (name, ref, bytes, mediaType) => {
      const d = sha256(bytes);
      repo(name).manifests.set(ref, { bytes, mediaType });
      repo(name).manifests.set(d, { bytes, mediaType });
      return d;
    },
    tamper: (name, digest, bytes) => void repo(name).blobs.set(digest, bytes),
    failNext: (pathPart, status, times = 1) => void failures.push({ pathPart, status, left: times }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Whether a granted scope (`repository:x:pull,push`) covers a wanted one. */
function covers(granted: string, wanted: string): boolean {
  const [gt, gn, ga] = granted.split(':');
  const [wt, wn, wa] = wanted.split(':');
  if (gt !== wt || gn !== wn) return false;
  const have = new Set((ga ?? '').split(','));
  return (wa ?? '').split(',').every((a) => have.has(a));
}
