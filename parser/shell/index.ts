export { ShellLex, expandWord } from './lex.js';
export type { ExpandResult, ShellLexOptions } from './lex.js';
export type { Env } from './env.js';
export { ShellExpansionError } from './errors.js';
