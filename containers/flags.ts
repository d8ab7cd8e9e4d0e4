/**
 * containers' start-up-light face (named in index.ts): the parsers of
 * `kiln run`'s network flags. Importing it loads none of the container
 * lifecycle (nor the registry client behind it), so the CLI's command tree is
 * built without them.
 */
export { parsePublish } from './network/ports.js';
export { parseAddHost, checkDns } from './network/etc.js';
export { seccompFromDockerProfile } from './seccomp-profile.js';
