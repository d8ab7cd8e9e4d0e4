/**
 * Names that carry their owner: `<pid>-<starttime>` from a process identity
 * (util/lock.ts), so a sweep can tell from a directory entry's name alone,
 * without opening it, whether the kiln process that made it still runs.
 */
import { isAlive, processIdentity } from './lock.js';

const TAG = /^(\d+)-(\d+)$/;

/** This process's tag (`<pid>-<starttime>`). */
export function selfTag(): string {
  const id = processIdentity() ?? `${process.pid}:`;
  return id.replace(':', '-');
}

/** Whether the process a tag names still runs; undefined when `tag` is not a tag. */
export function tagAlive(tag: string): boolean | undefined {
  const m = TAG.exec(tag);
  if (m === null) return undefined;
  return isAlive(`${m[1] ?? ''}:${m[2] ?? ''}`);
}

/** `<prefix><tag>-<rest>`: a name owned by this process. */
export function ownedName(prefix: string, rest: string): string {
  return `${prefix}${selfTag()}-${rest}`;
}

/**
 * For a name made by {@link ownedName} with `prefix`: whether its owner still
 * runs and the `rest` part; undefined for any other name.
 */
export function parseOwnedName(prefix: string, name: string): { readonly alive: boolean; readonly rest: string } | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d+-\d+)-(.+)$/s.exec(name.slice(prefix.length));
  if (m === null) return undefined;
  const alive = tagAlive(m[1] ?? '');
  return alive === undefined ? undefined : { alive, rest: m[2] ?? '' };
}
