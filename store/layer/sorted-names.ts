/**
 * Directory listings in the order layers are written: names sorted by their
 * bytes, so the same tree gives the same tar on every machine and locale.
 * Synchronous like the rest of the walk: see diff.ts.
 */
import { readdirSync } from 'node:fs';
import { NotImplementedError } from '../../util/errors.js';

/** The names in `abs`, bytewise sorted; `rel` names the directory in errors. */
export function sortedNames(abs: string, rel: string): string[] {
  const raw = readdirSync(abs, { encoding: 'buffer' });
  raw.sort(Buffer.compare);
  return raw.map((b) => {
    const name = b.toString('utf8');
    if (!Buffer.from(name, 'utf8').equals(b)) {
      throw new NotImplementedError(`layer entry with a non-UTF-8 name in ${JSON.stringify(rel === '' ? '/' : rel)}`);
    }
    return name;
  });
}

/** Bytewise order of two names (UTF-8 byte order is code point order). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Joins a parent path and a name ('' is the root). */
export function childPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
