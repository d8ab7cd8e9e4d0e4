/**
 * The Dockerfile parser: syntax only (directives, escape, continuations,
 * heredocs, JSON and shell forms, flags). `parse()` gives the typed AST;
 * `dumpDockerfile()` prints it in BuildKit's dump format.
 */
export { parse, type ParseOptions } from './parse.js';
export { dumpDockerfile, dumpInstruction } from './dump.js';
export { DockerfileSyntaxError } from './errors.js';
export { chompHeredocContent } from './heredoc.js';
export type * from './types.js';
export { ShellLex, ShellExpansionError, expandWord } from './shell/index.js';
export type { Env, ShellLexOptions, ExpandResult } from './shell/index.js';
export { parseStages, parseInstruction, parseMount, parsePortSpec, instructionNames } from './instructions/index.js';
export type { Stage, Stages, Command as InstructionCommand } from './instructions/index.js';
