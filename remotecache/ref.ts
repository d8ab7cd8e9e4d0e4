/** The registry reference of a `type=registry` cache spec. */
import { parseReference, type Reference } from '../store/index.js';
import { InvalidArgumentError } from '../util/errors.js';

/** Parses a cache ref; `--cache-to` must name a tag (a digest cannot be pushed to). Throws InvalidArgumentError. */
export function cacheReference(ref: string, flag: '--cache-to' | '--cache-from'): Reference {
  let r: Reference;
  try {
    r = parseReference(ref);
  } catch (err) {
    throw new InvalidArgumentError(`${flag} type=registry,ref=${ref}: ${(err as Error).message}`, { cause: err });
  }
  if (flag === '--cache-to' && r.digest !== undefined) throw new InvalidArgumentError(`${flag} type=registry,ref=${ref}: a cache is pushed to a tag, not a digest`);
  return r;
}
