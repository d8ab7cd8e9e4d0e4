/**
 * Servers for registry e2e tests, all on 127.0.0.1 with free ports: Debian's
 * `docker-registry` (distribution) with a config of our own, optionally behind
 * htpasswd Basic auth, and a small Node proxy in front of it that can demand
 * Bearer tokens from its own token endpoint, refuse monolithic or chunked
 * uploads, tamper with blobs, or stop as an upload arrives.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface TestRegistry {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts `docker-registry serve` with storage under `dir`; `htpasswd` is the file's content for Basic auth. */
export async function startRegistry(dir: string, htpasswd?: string): Promise<TestRegistry> {
  const port = await freePort();
  await mkdir(join(dir, 'data'), { recursive: true });
  const auth = htpasswd === undefined ? '' : `auth:\n  htpasswd:\n    realm: kiln-test\n    path: ${join(dir, 'htpasswd')}\n`;
  if (htpasswd !== undefined) await writeFile(join(dir, 'htpasswd'), htpasswd);
  const config = `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`;
  await writeFile(join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/v2/`).then((r) => r.status, () => 0);
    if (up === 200 || up === 401) break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await sleep(50);
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What the proxy does; tests flip these between requests. */
export interface ProxyMode {
  /** Demand `Bearer` tokens from `/token` (Basic `user:pass` required when `credentials` is set). */
  bearer?: { credentials?: string };
  refuse?: 'monolithic' | 'chunked';
  /** Blob digests whose bytes are altered on GET. */
  tamper?: Set<string>;
  /** Close the listener and every connection when the first upload body arrives. */
  stopOnUpload?: boolean;
}

export interface TestProxy {
  readonly host: string;
  readonly mode: ProxyMode;
  readonly tokenRequests: () => number;
  /** Listens again (same port) after a stop. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Starts a proxy in front of `target` (a `host:port`). */
export async function startProxy(target: number): Promise<TestProxy> {
  const port = await freePort();
  const mode: ProxyMode = {};
  const tokens = new Set<string>();
  const sockets = new Set<Socket>();
  let tokenRequests = 0;
  let server: Server;
  const stopNow = (): void => {
    server.close();
    for (const s of sockets) s.destroy();
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/token') {
      tokenRequests++;
      const want = mode.bearer?.credentials;
      const got = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      if (want !== undefined && got !== want) return json(res, 401, { details: 'bad credentials' });
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return json(res, 200, { token, expires_in: 300 });
    }
    if (mode.bearer !== undefined && !tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
      const challenge = `Bearer realm="http://127.0.0.1:${port}/token",service="kiln-test"`;
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': challenge });
    }
    const upload = url.pathname.includes('/blobs/uploads/');
    const hasBody = Number(req.headers['content-length'] ?? '0') > 0 || req.headers['transfer-encoding'] !== undefined;
    if (upload && hasBody && mode.stopOnUpload === true) return stopNow();
    if (upload && req.method === 'PUT' && hasBody && mode.refuse === 'monolithic') return json(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'monolithic uploads refused' }] });
    if (upload && req.method === 'PATCH' && mode.refuse === 'chunked') return json(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'chunked uploads refused' }] });
    forward(req, res, target, mode.tamper?.has(url.pathname.split('/blobs/')[1] ?? '') === true && req.method === 'GET');
  };
  const listen = async (): Promise<void> => {
    server = createServer(handle);
    server.on('connection', (s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  };
  await listen();
  return {
    host: `127.0.0.1:${port}`,
    mode,
    tokenRequests: () => tokenRequests,
    restart: listen,
    stop: async () => {
      stopNow();
      await sleep(10);
    },
  };
}

/** Forwards to the registry without credentials; `tamper` flips one byte of the response body. */
function forward(req: IncomingMessage, res: ServerResponse, target: number, tamper: boolean): void {
  const headers = { ...req.headers };
  delete headers.authorization;
  const out = request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers }, (up) => {
    if (!tamper) {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      const at = Math.floor(body.length / 2);
      if (body.length > 0) body[at] = (body[at] ?? 0) ^ 0xff;
      res.writeHead(up.statusCode ?? 502, up.headers);
      res.end(body);
    });
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}
