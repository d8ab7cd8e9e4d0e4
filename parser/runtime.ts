/**
 * The parser's run-time surface without the syntax parser itself: errors,
 * shell expansion, typed instructions and helpers that later phases (the
 * planner) need. Importing it does not load chevrotain, so a build whose
 * parse result is cached starts faster. `parse` lives in index.ts / parse.ts.
 */
export type * from './types.js';
export { DockerfileSyntaxError } from './errors.js';
export { chompHeredocContent } from './heredoc.js';
export { ShellLex, ShellExpansionError, expandWord } from './shell/index.js';
export type { Env, ShellLexOptions, ExpandResult } from './shell/index.js';
export { parseStages, parseInstruction, parseMount, parsePortSpec, instructionNames } from './instructions/index.js';
export type { Stage, Stages, Command as InstructionCommand } from './instructions/index.js';
export type * from './types.js';
