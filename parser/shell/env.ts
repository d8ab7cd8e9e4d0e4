/**
 * Variables visible to an expansion. A function returns `undefined` for a
 * variable that is not set; an empty string is a set, empty variable
 * (which matters for `${VAR-x}` versus `${VAR:-x}`).
 * Names are compared exactly, as BuildKit does on Unix.
 */
export type Env =
  | ReadonlyMap<string, string>
  | Readonly<Record<string, string>>
  | ((name: string) => string | undefined);

/** Reads one variable; `undefined` means unset. */
export type EnvLookup = (name: string) => string | undefined;

function isMapLike(env: object): env is ReadonlyMap<string, string> {
  if (env instanceof Map) return true;
  // A record's values are strings, so a callable `get` means a map-like object.
  const maybe = env as { get?: unknown; has?: unknown };
  return typeof maybe.get === 'function' && typeof maybe.has === 'function';
}

/** Normalises the three accepted shapes of {@link Env} into one lookup. */
export function envLookup(env: Env): EnvLookup {
  if (typeof env === 'function') return env;
  if (isMapLike(env)) return (name) => env.get(name);
  const record = env as Readonly<Record<string, string>>;
  // Own properties only: `$constructor` must not find Object.prototype.constructor.
  return (name) => (Object.hasOwn(record, name) ? record[name] : undefined);
}
