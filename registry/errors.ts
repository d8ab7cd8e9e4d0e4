/**
 * Errors from a registry: the server said no (401, 404, a spec error code) or
 * could not be reached after retries. Messages name the registry and the
 * reference and never carry credentials, tokens or signed URLs.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
 */
import { KilnError } from '../util/errors.js';

/** What went wrong, for callers that branch (never on message text). */
export type RegistryErrorKind =
  | 'unauthorized'
  | 'denied'
  | 'manifest-unknown'
  | 'blob-unknown'
  | 'digest-mismatch'
  | 'size-mismatch' // a blob longer or shorter than its descriptor says
  | 'too-large' // a manifest, index, config or token answer over kiln's limit
  | 'unsupported'
  | 'unreachable'
  | 'protocol';

export class RegistryError extends KilnError {
  readonly code = 'REGISTRY';
  readonly kind: RegistryErrorKind;
  /** The registry host as the user wrote it (e.g. `127.0.0.1:5000`). */
  readonly registry: string;
  /** The HTTP status, when a response came. */
  readonly status: number | undefined;

  constructor(kind: RegistryErrorKind, registry: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.registry = registry;
    this.status = options.status;
  }
}

/** One entry of a distribution-spec error body. */
export interface SpecError {
  readonly code: string;
  readonly message: string;
}

/** Parses `{"errors":[{code,message}]}`; anything else gives an empty list. */
export function parseSpecErrors(text: string): SpecError[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(body.errors)) return [];
    return body.errors
      .filter((e): e is { code?: unknown; message?: unknown } => typeof e === 'object' && e !== null)
      .map((e) => ({ code: String(e.code ?? ''), message: String(e.message ?? '') }));
  } catch {
    return [];
  }
}

/** `unauthorized: authentication required` from a spec error list (first entry). */
export function describeSpecErrors(errors: readonly SpecError[]): string | undefined {
  const e = errors[0];
  if (e === undefined) return undefined;
  const code = e.code.toLowerCase().replace(/_/g, ' ');
  return e.message === '' ? code : `${code}: ${e.message}`;
}

/**
 * Removes what could be secret from a URL before it is shown: user info and
 * the query (upload state, signed-URL signatures, tokens).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '<url>';
  }
}
