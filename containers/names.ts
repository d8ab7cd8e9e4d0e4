/**
 * Container ids and names as docker has them: ids are 64 hex digits shown
 * as 12; a container is found by its full id, its name, or any unique id
 * prefix; names match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, and an unnamed
 * container gets a random `adjective_surname` one.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '../util/errors.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** A new container id. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** Docker's short id. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** Checks a user-given name (a leading `/`, as docker prints names, is dropped). */
export function checkName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME.test(n)) throw new InvalidArgumentError(`invalid container name ${JSON.stringify(name)}: expected [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters`);
  return n;
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'fervent', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'nifty', 'quirky', 'serene', 'stoic', 'tender', 'vibrant', 'zealous'];
const NAMES = ['babbage', 'curie', 'dijkstra', 'euler', 'faraday', 'hopper', 'kepler', 'lamarr', 'lovelace', 'noether', 'pascal', 'ritchie', 'shannon', 'thompson', 'turing', 'wozniak'];

/** A random `adjective_name`, with a digit after a few collisions (docker's scheme). */
export function randomName(attempt: number): string {
  const pick = (list: readonly string[]): string => list[randomInt(list.length)] ?? 'kiln';
  const base = `${pick(ADJECTIVES)}_${pick(NAMES)}`;
  return attempt < 3 ? base : `${base}${randomInt(10)}`;
}

/**
 * Which container `ref` means among `containers` (id and name each): the
 * full id, else the name, else the one id starting with `ref`.
 */
export function resolveRef(ref: string, containers: readonly { readonly id: string; readonly name: string }[]): string {
  const wanted = ref.startsWith('/') ? ref.slice(1) : ref;
  if (wanted === '') throw new InvalidArgumentError('container name or id is empty');
  const exact = containers.find((c) => c.id === wanted) ?? containers.find((c) => c.name === wanted);
  if (exact !== undefined) return exact.id;
  const prefixed = /^[0-9a-f]+$/.test(wanted) ? containers.filter((c) => c.id.startsWith(wanted)) : [];
  if (prefixed.length === 1 && prefixed[0] !== undefined) return prefixed[0].id;
  if (prefixed.length > 1) throw new InvalidArgumentError(`container id prefix ${JSON.stringify(wanted)} is ambiguous: it matches ${prefixed.length} containers`);
  throw new NotFoundError(`no such container: ${wanted}`);
}
