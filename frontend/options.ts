/**
 * frontend's start-up-light face (named in index.ts): the values the CLI needs
 * to parse `kiln build`'s flags. Importing it loads none of the builder, so a
 * command line is checked before the build's code is read.
 */
export { STDOUT_DEST } from './builder/request.js';
export type { BuildOutput } from './builder/request.js';
