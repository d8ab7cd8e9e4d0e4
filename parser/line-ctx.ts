import type { Range } from './types.js';

/** The logical line being parsed, with a way to turn its offsets into source ranges. */
export interface LineCtx {
  readonly text: string;
  /** The escape token's char code (`\` or `` ` ``). */
  readonly escape: number;
  range(start: number, end: number): Range;
}
