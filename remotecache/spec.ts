/**
 * `--cache-from` / `--cache-to` values, with buildx's syntax: comma-separated
 * `key=value` pairs, e.g. `type=local,dest=DIR,mode=max` or
 * `type=registry,ref=R`. A bare value for `--cache-from` is a registry ref,
 * as in buildx. See https://docs.docker.com/build/cache/backends/
 */
import { InvalidArgumentError } from '../util/errors.js';

/** Which steps an export covers: `min` the final image's, `max` every step the build solved. */
export type CacheMode = 'min' | 'max';

/** Where `--cache-from` reads a cache image. */
export type CacheFromSpec =
  | { readonly type: 'local'; readonly src: string }
  | { readonly type: 'registry'; readonly ref: string };

/** Where `--cache-to` writes a cache image. */
export type CacheToSpec =
  | { readonly type: 'local'; readonly dest: string; readonly mode: CacheMode }
  | { readonly type: 'registry'; readonly ref: string; readonly mode: CacheMode };

/** Either kind of spec. */
export type CacheSpec = CacheFromSpec | CacheToSpec;

const TYPES = ['local', 'registry'] as const;

/** Parses one `--cache-from` value. */
export function parseCacheFrom(value: string): CacheFromSpec {
  const flag = '--cache-from';
  if (!value.includes('=')) {
    if (value.trim() === '') throw new InvalidArgumentError(`invalid ${flag} "": expected type=local,src=DIR or type=registry,ref=REF`);
    return { type: 'registry', ref: value.trim() };
  }
  const fields = parseFields(flag, value);
  const type = typeOf(flag, value, fields);
  if (type === 'local') {
    allowOnly(flag, value, fields, ['type', 'src']);
    return { type, src: required(flag, fields, type, 'src', 'DIR') };
  }
  allowOnly(flag, value, fields, ['type', 'ref']);
  return { type, ref: required(flag, fields, type, 'ref', 'REF') };
}

/** Parses one `--cache-to` value. */
export function parseCacheTo(value: string): CacheToSpec {
  const flag = '--cache-to';
  const fields = parseFields(flag, value);
  const type = typeOf(flag, value, fields);
  const mode = modeOf(flag, fields);
  if (type === 'local') {
    allowOnly(flag, value, fields, ['type', 'dest', 'mode']);
    return { type, dest: required(flag, fields, type, 'dest', 'DIR'), mode };
  }
  allowOnly(flag, value, fields, ['type', 'ref', 'mode']);
  return { type, ref: required(flag, fields, type, 'ref', 'REF'), mode };
}

/** Human form of a spec, for progress and errors. */
export function formatCacheSpec(spec: CacheSpec): string {
  switch (spec.type) {
    case 'local':
      return 'src' in spec ? `type=local,src=${spec.src}` : `type=local,dest=${spec.dest},mode=${spec.mode}`;
    case 'registry':
      return 'mode' in spec ? `type=registry,ref=${spec.ref},mode=${spec.mode}` : `type=registry,ref=${spec.ref}`;
    default: {
      const never: never = spec;
      throw new Error(`internal: unknown cache spec ${JSON.stringify(never)}`);
    }
  }
}

function parseFields(flag: string, value: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: expected key=value pairs separated by commas, got ${JSON.stringify(part)}`);
    const key = part.slice(0, eq).trim();
    if (fields.has(key)) throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: ${key} given twice`);
    fields.set(key, part.slice(eq + 1).trim());
  }
  return fields;
}

function typeOf(flag: string, value: string, fields: ReadonlyMap<string, string>): (typeof TYPES)[number] {
  const type = fields.get('type');
  if (type === undefined) throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: missing type= (local or registry)`);
  const known = TYPES.find((t) => t === type);
  if (known === undefined) throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: type must be local or registry, got ${JSON.stringify(type)}`);
  return known;
}

function modeOf(flag: string, fields: ReadonlyMap<string, string>): CacheMode {
  const mode = fields.get('mode') ?? 'min';
  if (mode !== 'min' && mode !== 'max') throw new InvalidArgumentError(`invalid ${flag} mode ${JSON.stringify(mode)}: expected min or max`);
  return mode;
}

function required(flag: string, fields: ReadonlyMap<string, string>, type: string, key: string, what: string): string {
  const v = fields.get(key);
  if (v === undefined || v === '') throw new InvalidArgumentError(`${flag} type=${type} needs ${key}=${what}`);
  return v;
}

function allowOnly(flag: string, value: string, fields: ReadonlyMap<string, string>, allowed: readonly string[]): void {
  for (const key of fields.keys()) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((a) => closeTo(a, key));
    const hint = near === undefined ? `expected one of ${allowed.join(', ')}` : `did you mean ${near}?`;
    throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(value)}: unknown key ${JSON.stringify(key)} for type=${fields.get('type') ?? ''}: ${hint}`);
  }
}

/** True when `a` and `b` differ by at most two edits (a typo, or src/dest mixed up is not one). */
function closeTo(a: string, b: string): boolean {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return (d[a.length]?.[b.length] ?? Infinity) <= 2;
}
