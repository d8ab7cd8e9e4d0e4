/**
 * `RUN --mount=type=...,key=value,...` specs, read and checked like BuildKit's
 * `commands_runmount.go`, with its error messages.
 * See https://docs.docker.com/reference/dockerfile/#run---mount
 */
import { SpecError } from './ctx.js';
import { csvFields } from './csv.js';
import { goQuote } from '../../util/go-quote.js';
import { goParseBool, goParseUint32 } from './go-strconv.js';
import { ramInBytes } from './size.js';
import { withSuggestion } from './suggest.js';

/** The kinds of RUN mount. */
export type MountType = 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
/** How concurrent builds share a cache mount. */
export type MountSharing = 'shared' | 'private' | 'locked';

/**
 * One `--mount`. Unset options are `null` (an option given empty, like
 * `id=`, stays `''`, which BuildKit treats as unset).
 */
export interface Mount {
  readonly type: MountType;
  /** `from=`: the stage or image to mount from (bind, cache). */
  readonly from: string | null;
  /** `source=`/`src=`: path in `from`, or the secret/ssh id. */
  readonly source: string | null;
  /** `target=`/`dst=`/`destination=`: mount point in the container. */
  readonly target: string | null;
  /** Explicit `ro`/`rw`, or the default: read-only except cache and tmpfs. */
  readonly readOnly: boolean;
  /** `size=` in bytes (tmpfs only). */
  readonly size: number | null;
  /** `id=`: cache id, or secret/ssh id. */
  readonly id: string | null;
  readonly sharing: MountSharing | null;
  /** `required`: fail when the secret or ssh socket is missing. */
  readonly required: boolean;
  /** `env=`: also expose the secret as this environment variable. */
  readonly env: string | null;
  /** `mode=` (octal), `uid=`, `gid=`: ownership of the mounted item (secret, ssh, cache). */
  readonly mode: number | null;
  readonly uid: number | null;
  readonly gid: number | null;
}

type Draft = { -readonly [K in keyof Mount]: Mount[K] };

const mountTypes: readonly MountType[] = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'];
const sharings: readonly MountSharing[] = ['shared', 'private', 'locked'];
const allKeys = [
  'type', 'from', 'source', 'target', 'readonly', 'id', 'sharing', 'required', 'size', 'mode',
  'uid', 'gid', 'src', 'dst', 'destination', 'ro', 'rw', 'readwrite', 'env',
] as const;

/**
 * Parses a mount spec, passing every `key=value` value through `expand`
 * first. Throws {@link SpecError} with BuildKit's message.
 */
export function parseMountSpec(spec: string, expand: (value: string) => string): Mount {
  const m: Draft = {
    type: 'bind', from: null, source: null, target: null, readOnly: true, size: null, id: null,
    sharing: null, required: false, env: null, mode: null, uid: null, gid: null,
  };
  let readOnlyGiven = false;
  for (const field of fieldsOf(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (eq < 0) {
      if (applyBareKey(m, key, field)) readOnlyGiven = true;
      continue;
    }
    const raw = field.slice(eq + 1);
    if (key === 'from') checkFromIsStatic(raw);
    if (applyOption(m, key, expand(raw), field)) readOnlyGiven = true;
  }
  if (!readOnlyGiven) m.readOnly = m.type !== 'cache' && m.type !== 'tmpfs';
  checkMount(m);
  return m;
}

/** The spec's fields; a CSV error is BuildKit's "failed to parse csv mounts". */
export function fieldsOf(spec: string): string[] {
  try {
    return csvFields(spec);
  } catch (err) {
    throw new SpecError(`failed to parse csv mounts: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** BuildKit resolves `from=` before variables are known, so it may not use them. */
export function checkFromIsStatic(value: string): void {
  const i = value.indexOf('$');
  if (i >= 0 && i !== value.length - 1) throw new SpecError(`'from' doesn't support variable expansion, define alias stage instead`);
}

/** Unknown option names fail with a suggestion, whatever their value. */
export function checkKnownKey(key: string, field: string): void {
  if (!(allKeys as readonly string[]).includes(key)) {
    throw new SpecError(withSuggestion(`unexpected key '${key}' in '${field}'`, key, allKeys, true));
  }
}

/** A field without `=`; returns true when it sets read-only-ness. */
function applyBareKey(m: Draft, key: string, field: string): boolean {
  switch (key) {
    case 'readonly':
    case 'ro':
      m.readOnly = true;
      return true;
    case 'readwrite':
    case 'rw':
      m.readOnly = false;
      return true;
    case 'required':
      if (m.type !== 'secret' && m.type !== 'ssh') throw unexpectedFor(key, m.type);
      m.required = true;
      return false;
    default:
      throw new SpecError(`invalid field '${field}' must be a key=value pair`);
  }
}

/** A `key=value` field; returns true when it sets read-only-ness. */
function applyOption(m: Draft, key: string, value: string, field: string): boolean {
  switch (key) {
    case 'type':
      m.type = oneOf(mountTypes, value, `unsupported mount type ${goQuote(value)}`);
      return false;
    case 'from':
      m.from = value;
      return false;
    case 'source':
    case 'src':
      m.source = value;
      return false;
    case 'target':
    case 'dst':
    case 'destination':
      m.target = value;
      return false;
    case 'id':
      m.id = value;
      return false;
    case 'env':
      m.env = value;
      return false;
    case 'sharing':
      m.sharing = oneOf(sharings, value, `unsupported sharing value ${goQuote(value)}`);
      return false;
    default:
      return applyTypedOption(m, key, value, field);
  }
}

function applyTypedOption(m: Draft, key: string, value: string, field: string): boolean {
  switch (key) {
    case 'readonly':
    case 'ro':
      m.readOnly = bool(key, value);
      return true;
    case 'readwrite':
    case 'rw':
      m.readOnly = !bool(key, value);
      return true;
    case 'required':
      if (m.type !== 'secret' && m.type !== 'ssh') throw unexpectedFor(key, m.type);
      m.required = bool(key, value);
      return false;
    case 'size':
      if (m.type !== 'tmpfs') throw unexpectedFor(key, m.type);
      m.size = ramInBytes(value) ?? invalidValue(key, value);
      return false;
    case 'mode':
    case 'uid':
    case 'gid':
      m[key] = goParseUint32(value, key === 'mode' ? 8 : 10) ?? fail(`invalid value ${value} for ${key}`);
      return false;
    default:
      checkKnownKey(key, field);
      return false;
  }
}

/** The cross-option rules BuildKit applies once all options are read. */
function checkMount(m: Draft): void {
  const fileInfoAllowed = m.type === 'secret' || m.type === 'ssh' || m.type === 'cache';
  if (!fileInfoAllowed) {
    for (const key of ['mode', 'uid', 'gid'] as const) {
      if (m[key] !== null) fail(`${key} not allowed for ${goQuote(m.type)} type mounts`);
    }
  }
  if (m.type === 'secret') {
    if (m.from) fail('secret mount should not have a from');
    if (m.sharing) fail('secret mount should not define sharing');
    if (!m.source && !m.target && !m.id) fail('invalid secret mount. one of source, target required');
    if (m.source && m.id) fail("both source and id can't be set");
  }
  if (m.sharing && m.type !== 'cache') fail(`invalid cache sharing set for ${m.type} mount`);
}

function oneOf<T extends string>(options: readonly T[], value: string, message: string): T {
  const lower = value.toLowerCase();
  const found = options.find((o) => o === lower);
  return found ?? fail(withSuggestion(message, value, options, true));
}

function bool(key: string, value: string): boolean {
  return goParseBool(value) ?? invalidValue(key, value);
}

function invalidValue(key: string, value: string): never {
  return fail(`invalid value for ${key}: ${value}`);
}

function unexpectedFor(key: string, type: MountType): SpecError {
  return new SpecError(`unexpected key '${key}' for mount type '${type}'`);
}

function fail(message: string): never {
  throw new SpecError(message);
}
