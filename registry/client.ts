/**
 * An HTTP client for one registry's `/v2/` API: authorization (see auth.ts),
 * retries with back-off for transient failures, and errors that name the
 * registry without leaking secrets.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#api
 */
import { DataLossError, findError } from '../util/errors.js';
import { Authorizer, UNAUTHORIZED_HINT } from './auth.js';
import { lookupCredentials, type Credentials } from './credentials.js';
import { describeSpecErrors, parseSpecErrors, redactUrl, RegistryError, type RegistryErrorKind } from './errors.js';
import { resolveRegistryHost, type RegistryHost } from './host.js';
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, RetryableError, withRetry, type RetryPolicy } from './retry.js';
import { parseWwwAuthenticate } from './www-authenticate.js';
import { sendStream, type StreamBody } from './http-stream.js';
import { idleTimeoutFromEnv, MAX_ERROR_BODY_BYTES } from './limits.js';
import { readText } from './read-body.js';
import { watchExchange } from './watchdog.js';

/** Options shared by pull, push and login. */
export interface ClientOptions {
  /** Hosts reached over plain HTTP besides loopback ones. */
  readonly insecureRegistries?: readonly string[];
  /** Credentials to use instead of the docker config's. */
  readonly credentials?: Credentials;
  readonly retry?: RetryPolicy;
  /** Environment for config lookup (DOCKER_CONFIG, HOME, PATH for helpers). */
  readonly env?: NodeJS.ProcessEnv;
  /** Called before each retry with a redacted description of what failed. */
  readonly onRetry?: (what: string, attempt: number, delayMs: number) => void;
  /**
   * How long a response may send nothing before it is abandoned (and retried);
   * default: `KILN_REGISTRY_IDLE_TIMEOUT` seconds from `env`, else 30 s.
   */
  readonly idleTimeoutMs?: number;
}

/** One request. `body` is a factory so that a retry can send it again. */
export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  /** A path under the registry (`/v2/...`) or an absolute URL it gave (upload locations). */
  readonly url: string;
  readonly scopes: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: () => Uint8Array | string | StreamBody;
  readonly signal?: AbortSignal | undefined;
  /** False for requests that must not be repeated as is (an upload PUT mid-session); the caller retries. */
  readonly retry?: boolean;
}

export class RegistryClient {
  readonly host: RegistryHost;
  readonly #auth: Authorizer;
  readonly #retry: RetryPolicy;
  /** Set once the registry refused a monolithic (or a chunked) upload, so later blobs go the other way. */
  readonly uploadModes = { monolithic: true, chunked: true };
  readonly #onRetry: ClientOptions['onRetry'];
  readonly retryPolicy: RetryPolicy;
  readonly idleTimeoutMs: number;

  constructor(domain: string, options: ClientOptions = {}) {
    this.host = resolveRegistryHost(domain, options.insecureRegistries === undefined ? {} : { insecureRegistries: options.insecureRegistries });
    const given = options.credentials;
    let creds: Promise<Credentials | undefined> | undefined;
    this.idleTimeoutMs = options.idleTimeoutMs ?? idleTimeoutFromEnv(options.env ?? process.env);
    const credentials = (): Promise<Credentials | undefined> => (creds ??= given !== undefined ? Promise.resolve(given) : lookupCredentials(this.host.name, options.env));
    this.#auth = new Authorizer(this.host.name, credentials, fetch, this.idleTimeoutMs);
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.retryPolicy = this.#retry;
    this.#onRetry = options.onRetry;
  }

  /** The absolute URL of a registry path or upload location. */
  resolve(url: string): URL {
    return new URL(url, this.host.baseUrl);
  }

  /**
   * Sends `req`, authorizing on a 401 and retrying network errors, stalls,
   * 5xx and 429. Any other status is returned as is for the caller to judge;
   * a 401 after authorizing is a RegistryError.
   */
  send(req: RegistryRequest): Promise<Response> {
    return this.exchange(req, async (res) => res);
  }

  /**
   * Like {@link send}, then hands the response to `read` inside the same retry
   * loop, so a body that stalls or breaks off (`read` throws a
   * {@link RetryableError}, see {@link transient}) is fetched again.
   */
  async exchange<T>(req: RegistryRequest, read: (res: Response) => Promise<T>): Promise<T> {
    return withRetry(async () => read(await this.#attempt(req)), {
      policy: req.retry === false ? { ...this.#retry, attempts: 1 } : this.#retry,
      ...(req.signal === undefined ? {} : { signal: req.signal }),
      onRetry: (err, attempt, delay) => this.#onRetry?.(err.message, attempt, delay),
    });
  }

  /** A retryable failure whose final form (once retries run out) is an `unreachable` RegistryError with `message`. */
  transient(message: string, cause?: unknown): RetryableError {
    const err = new RegistryError('unreachable', this.host.name, message, cause === undefined ? {} : { cause });
    return new RetryableError(message, { cause: err });
  }

  /** One attempt: the exchange, with a second one after a 401 to authorize. */
  async #attempt(req: RegistryRequest): Promise<Response> {
    let res = await this.#once(req);
    if (res.status === 401) {
      const challenge = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '');
      await res.body?.cancel();
      this.#auth.challenged(challenge, req.scopes);
      res = await this.#once(req);
      if (res.status === 401) throw await this.error(res, 'unauthorized');
    }
    if (isRetryableStatus(res.status)) {
      await res.body?.cancel();
      const what = `${req.method} ${redactUrl(this.resolve(req.url).toString())}`;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      const err = new RegistryError('unreachable', this.host.name, `registry ${this.host.name}: ${what} answered ${res.status} ${res.statusText}`.trimEnd(), { status: res.status });
      throw new RetryableError(err.message, retryAfter === undefined ? { cause: err } : { cause: err, retryAfterMs: retryAfter });
    }
    return res;
  }

  /** One HTTP exchange under the idle watchdog; a network failure or a stall becomes retryable. */
  async #once(req: RegistryRequest): Promise<Response> {
    const url = this.resolve(req.url);
    const headers: Record<string, string> = { 'user-agent': 'kiln', ...req.headers };
    const authorization = await this.#auth.header(req.scopes, req.signal).catch((err: unknown) => {
      // A token service that is down or stalls is retried like the registry itself.
      throw err instanceof RegistryError && err.kind === 'unreachable' ? new RetryableError(err.message, { cause: err }) : err;
    });
    if (authorization !== undefined) headers.authorization = authorization;
    const body = req.body?.();
    const what = `${req.method} ${redactUrl(url.toString())}`;
    const seconds = `${this.idleTimeoutMs / 1000}s`;
    try {
      return await watchExchange(
        (signal) => {
          if (body !== undefined && typeof body === 'object' && 'stream' in body) return sendStream(url, req.method, headers, body, signal);
          return fetch(url, { method: req.method, headers, ...(body === undefined ? {} : { body }), redirect: 'follow', signal });
        },
        {
          idleMs: this.idleTimeoutMs,
          headers: body === undefined,
          signal: req.signal,
          stalled: (received) =>
            this.transient(
              received === undefined
                ? `registry ${this.host.name}: ${what} stalled: no response for ${seconds}`
                : `registry ${this.host.name}: ${what} stalled: no data for ${seconds} after ${received} bytes of the body`,
            ),
        },
      );
    } catch (err) {
      req.signal?.throwIfAborted();
      // A body that failed its own digest check is kiln's error, not the network's: no retry.
      const damaged = findError(err, DataLossError);
      if (damaged !== undefined) throw damaged;
      if (err instanceof RetryableError) throw err;
      throw this.transient(`registry ${this.host.name}: cannot reach ${redactUrl(url.toString())}: ${networkReason(err)}`, err);
    }
  }

  /**
   * A RegistryError for an unexpected response (its body is read for the
   * spec's error codes). `subject` names what was asked for.
   */
  async error(res: Response, subject: string, kind?: RegistryErrorKind): Promise<RegistryError> {
    const text = await readText(res, MAX_ERROR_BODY_BYTES);
    const errors = parseSpecErrors(text);
    const described = describeSpecErrors(errors) ?? `${res.status} ${res.statusText}`.trimEnd();
    const name = this.host.name;
    if (res.status === 401) {
      return new RegistryError('unauthorized', name, `registry ${name}: ${errors.length > 0 ? described : 'unauthorized: authentication required'} ${UNAUTHORIZED_HINT}`, { status: 401 });
    }
    if (res.status === 403) return new RegistryError('denied', name, `registry ${name}: ${subject}: access denied (${described})`, { status: 403 });
    const code = errors[0]?.code;
    if (code === 'MANIFEST_UNKNOWN' || (res.status === 404 && kind === 'manifest-unknown')) {
      return new RegistryError('manifest-unknown', name, `manifest unknown: ${subject}`, { status: res.status });
    }
    if (code === 'BLOB_UNKNOWN' || (res.status === 404 && kind === 'blob-unknown')) {
      return new RegistryError('blob-unknown', name, `blob unknown: ${subject}`, { status: res.status });
    }
    if (code === 'NAME_UNKNOWN') return new RegistryError('manifest-unknown', name, `repository unknown: ${subject}`, { status: res.status });
    return new RegistryError(kind ?? 'protocol', name, `registry ${name}: ${subject}: ${described}`, { status: res.status });
  }
}

/** A short reason for a failed fetch or a broken body: the system error code when there is one. */
export function networkReason(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  const c = cause as { code?: unknown; message?: unknown } | undefined;
  if (c !== undefined && typeof c.code === 'string') return c.code;
  if (c !== undefined && typeof c.message === 'string') return c.message;
  return err instanceof Error ? err.message : String(err);
}
