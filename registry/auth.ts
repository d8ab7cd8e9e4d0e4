/**
 * Authorization for one registry: anonymous until the registry answers 401,
 * then Basic or the Bearer token flow its `WWW-Authenticate` challenge asks
 * for. Tokens are cached per scope set and dropped on a 401 so the next
 * attempt fetches a fresh one.
 * See https://distribution.github.io/distribution/spec/auth/token/ and
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#authentication
 */
import { SingleFlight } from '../util/single-flight.js';
import type { Credentials } from './credentials.js';
import { RegistryError } from './errors.js';
import { DEFAULT_IDLE_TIMEOUT_MS, formatBytes, MAX_TOKEN_BYTES } from './limits.js';
import { readBounded } from './read-body.js';
import { watchExchange } from './watchdog.js';
import type { Challenge } from './www-authenticate.js';

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** A token endpoint's answer (`token` or OAuth's `access_token`). */
interface TokenResponse {
  token?: unknown;
  access_token?: unknown;
  expires_in?: unknown;
}

export const UNAUTHORIZED_HINT = '(check kiln login)';

/** Hands out `Authorization` header values for requests to one registry. */
export class Authorizer {
  readonly #registry: string;
  readonly #credentials: () => Promise<Credentials | undefined>;
  readonly #fetch: typeof fetch;
  readonly #idleMs: number;
  #challenge: Challenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #flights = new SingleFlight<string, string>();

  /** `credentials` is called at most when a challenge needs them; `idleMs` bounds how long the token service may send nothing. */
  constructor(registry: string, credentials: () => Promise<Credentials | undefined>, fetchFn: typeof fetch = fetch, idleMs = DEFAULT_IDLE_TIMEOUT_MS) {
    this.#registry = registry;
    this.#credentials = credentials;
    this.#fetch = fetchFn;
    this.#idleMs = idleMs;
  }

  /** Records the challenge of a 401 and forgets the token it rejected. */
  challenged(challenges: readonly Challenge[], scopes: readonly string[]): void {
    const ch = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
    if (ch === undefined) {
      throw new RegistryError('unauthorized', this.#registry, `registry ${this.#registry}: unauthorized, and no usable WWW-Authenticate challenge came with it`, { status: 401 });
    }
    this.#challenge = ch;
    this.#tokens.delete(scopeKey(scopes));
  }

  /** True once a challenge is known (so a 401 after authorizing is final). */
  get hasChallenge(): boolean {
    return this.#challenge !== undefined;
  }

  /** The header value for `scopes`, or undefined while anonymous. */
  async header(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const ch = this.#challenge;
    if (ch === undefined) return undefined;
    if (ch.scheme === 'basic') {
      const creds = await this.#credentials();
      return creds === undefined ? undefined : basic(creds);
    }
    const key = scopeKey(scopes);
    const cached = this.#tokens.get(key);
    if (cached !== undefined && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.#flights.do(key, (s) => this.#fetchToken(ch, scopes, s), signal);
    return `Bearer ${token}`;
  }

  /** GET realm?service=…&scope=… with Basic credentials when there are any. */
  async #fetchToken(ch: Challenge, scopes: readonly string[], signal: AbortSignal): Promise<string> {
    const realm = ch.params.realm;
    if (realm === undefined || !/^https?:\/\//.test(realm)) {
      throw new RegistryError('protocol', this.#registry, `registry ${this.#registry}: bearer challenge without a usable realm`);
    }
    const url = new URL(realm);
    if (ch.params.service !== undefined) url.searchParams.set('service', ch.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const creds = await this.#credentials();
    const headers: Record<string, string> = creds === undefined ? {} : { authorization: basic(creds) };
    const unreachable = (why: string, cause?: unknown): RegistryError =>
      new RegistryError('unreachable', this.#registry, `registry ${this.#registry}: ${why}`, cause === undefined ? {} : { cause });
    const idle = `${this.#idleMs / 1000}s`;
    let res: Response;
    try {
      res = await watchExchange((s) => this.#fetch(url, { headers, signal: s }), {
        idleMs: this.#idleMs,
        headers: true,
        signal,
        stalled: (received) => unreachable(`its token service ${url.host} stalled: ${received === undefined ? 'no response' : `no data after ${received} bytes`} for ${idle}`),
      });
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw unreachable(`cannot reach its token service ${url.host}`, err);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new RegistryError('unauthorized', this.#registry, `registry ${this.#registry}: unauthorized: authentication required ${UNAUTHORIZED_HINT}`, { status: res.status });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError('protocol', this.#registry, `registry ${this.#registry}: token service ${url.host} answered ${res.status}`, { status: res.status });
    }
    const bytes = await readBounded(res, {
      limit: MAX_TOKEN_BYTES,
      tooLarge: () => new RegistryError('protocol', this.#registry, `registry ${this.#registry}: token service ${url.host} answered with more than ${formatBytes(MAX_TOKEN_BYTES)}; refused`),
      interrupted: (err) => unreachable(`token service ${url.host}: the answer broke off`, err),
    });
    let body: TokenResponse;
    try {
      body = JSON.parse(bytes.toString('utf8')) as TokenResponse;
    } catch {
      throw new RegistryError('protocol', this.#registry, `registry ${this.#registry}: token service ${url.host} answered with invalid JSON`);
    }
    if (typeof body !== 'object' || body === null) body = {};
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : undefined;
    if (token === undefined || token === '') throw new RegistryError('protocol', this.#registry, `registry ${this.#registry}: token service ${url.host} returned no token`);
    // The spec's default lifetime is 60 s; refresh a little early.
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    this.#tokens.set(scopeKey(scopes), { token, expiresAt: Date.now() + Math.max(seconds - 10, 1) * 1000 });
    return token;
  }
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

/** `repository:NAME:pull` or `…:pull,push`. */
export function repositoryScope(path: string, push: boolean): string {
  return `repository:${path}:${push ? 'pull,push' : 'pull'}`;
}
