/**
 * Image references with Docker's normalization: `app` is
 * `docker.io/library/app:latest`, `localhost:5000/x` keeps its registry.
 * See https://github.com/distribution/reference (grammar) and
 * https://docs.docker.com/reference/cli/docker/image/tag/#description
 */
import { InvalidArgumentError } from '../../util/errors.js';
import { isDigest, type Digest } from '../../util/digest.js';

/** A fully qualified reference. */
export interface Reference {
  /** Registry host, e.g. `docker.io` or `localhost:5000`. */
  readonly domain: string;
  /** Repository path, e.g. `library/app`. */
  readonly path: string;
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagRe = /^[\w][\w.-]{0,127}$/;
const domainRe = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

function bad(ref: string, why: string): never {
  throw new InvalidArgumentError(`invalid reference ${JSON.stringify(ref)}: ${why}`);
}

/** Splits off the registry host the way Docker does: a first component with `.`, `:` or `localhost`. */
function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return [DEFAULT_DOMAIN, name];
  }
  return [first, name.slice(slash + 1)];
}

/** Parses and normalizes `ref` (Docker's `ParseNormalizedNamed`); the tag defaults to `latest` when there is no digest. */
export function parseReference(ref: string): Reference {
  if (ref === '') bad(ref, 'empty');
  let rest = ref;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad(ref, 'bad digest');
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    if (!tagRe.test(tag)) bad(ref, 'bad tag');
    rest = rest.slice(0, colon);
  }
  let [domain, path] = splitDomain(rest);
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (!domainRe.test(domain)) bad(ref, 'bad registry host');
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (path !== path.toLowerCase()) bad(ref, 'repository name must be lowercase');
  if (path.length > 255 || !path.split('/').every((c) => component.test(c))) bad(ref, 'bad repository name');
  return { domain, path, tag: tag ?? (digest === undefined ? 'latest' : undefined), digest };
}

/** `docker.io/library/app:latest` form. */
export function formatReference(r: Reference): string {
  return `${r.domain}/${r.path}${r.tag === undefined ? '' : `:${r.tag}`}${r.digest === undefined ? '' : `@${r.digest}`}`;
}

/** The repository without tag or digest: `docker.io/library/app`. */
export function repositoryOf(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** Docker's short form for display: `app:latest`, `user/app:1`, `localhost:5000/x:y`. */
export function familiarName(r: Reference): string {
  let name = `${r.domain}/${r.path}`;
  if (r.domain === DEFAULT_DOMAIN) name = r.path.startsWith('library/') ? r.path.slice('library/'.length) : r.path;
  return `${name}${r.tag === undefined ? '' : `:${r.tag}`}${r.digest === undefined ? '' : `@${r.digest}`}`;
}

/** Normalizes a user-given name to the stored form (`app` → `docker.io/library/app:latest`). */
export function normalizeName(ref: string): string {
  return formatReference(parseReference(ref));
}
