/**
 * `kiln build`'s command-line checks that need more than one flag's parser:
 * run before the build starts, so each failure is a usage error (exit 2), as
 * docker's are: a bad -t name, an unreadable --secret, a foreign --platform,
 * --push without a name.
 */
import { buildPlatform, readSecret } from './build-options.js';
import { hostPlatform } from '../oci/index.js';
import { normalizeName } from '../store/index.js';
import { InvalidArgumentError } from '../util/errors.js';

/** The build flags these checks read (commander's parsed options). */
export interface BuildUsage {
  readonly tag?: readonly string[];
  readonly secret?: readonly string[];
  readonly platform?: string;
  readonly push?: boolean;
}

/** Throws InvalidArgumentError for the first bad value, naming the flag. */
export async function checkBuildUsage(flags: BuildUsage): Promise<void> {
  for (const t of flags.tag ?? []) {
    try {
      normalizeName(t);
    } catch (err) {
      throw new InvalidArgumentError(`invalid tag ${JSON.stringify(t)} for -t: ${(err as Error).message}`, { cause: err });
    }
  }
  if (flags.push === true && (flags.tag ?? []).length === 0) throw new InvalidArgumentError('--push needs at least one -t NAME to push to');
  buildPlatform(flags.platform, hostPlatform());
  // Reading each secret once here costs little: they are small, and the build reads them again.
  for (const s of flags.secret ?? []) await readSecret(s);
}
