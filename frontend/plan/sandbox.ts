/**
 * The hostname RUN steps see. BuildKit names its sandbox `buildkitsandbox`;
 * the `BUILDKIT_SANDBOX_HOSTNAME` build arg replaces it (dockerui's
 * `keyHostnameArg`). Unlike `docker run`, no `HOSTNAME` variable is set.
 * See https://docs.docker.com/build/building/variables/#buildkit-built-in-build-args
 */
import { InvalidArgumentError } from '../../util/errors.js';

export const SANDBOX_HOSTNAME_ARG = 'BUILDKIT_SANDBOX_HOSTNAME';
export const DEFAULT_SANDBOX_HOSTNAME = 'buildkitsandbox';

/** RFC 1123 host names (what a UTS namespace can be given); the kernel takes at most 64 bytes. */
const HOSTNAME = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

/** The sandbox hostname for this build; an empty build arg keeps the default, as in BuildKit. */
export function sandboxHostname(buildArgs: ReadonlyMap<string, string>): string {
  const given = buildArgs.get(SANDBOX_HOSTNAME_ARG);
  if (given === undefined || given === '') return DEFAULT_SANDBOX_HOSTNAME;
  if (!HOSTNAME.test(given) || given.length > 64) {
    throw new InvalidArgumentError(`build arg ${SANDBOX_HOSTNAME_ARG}: invalid hostname ${JSON.stringify(given)}: expected letters, digits, - and ., at most 64 characters`);
  }
  return given;
}
