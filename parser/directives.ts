/**
 * Parser directives: `# name=value` lines before anything else in the file.
 * Reading stops at the first line that is not a known directive (an
 * instruction, a blank line, any other comment). A repeated directive is an error.
 * See https://docs.docker.com/reference/dockerfile/#parser-directives
 */
import type { Directive } from './types.js';

// Go's \s is [\t\n\f\r ] and its `.` is anything but \n.
const directiveLine = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;
const known = new Set<Directive['name']>(['syntax', 'escape', 'check']);

/** The result of looking at one line while directives are still allowed. */
export type DirectiveMatch =
  | { readonly kind: 'none' }
  | { readonly kind: 'directive'; readonly name: Directive['name']; readonly value: string }
  | { readonly kind: 'error'; readonly message: string };

/** Tracks which directives were seen and whether directives are still allowed. */
export class DirectiveReader {
  #done = false;
  readonly #seen = new Set<string>();

  /** Looks at one line (first lines are left-trimmed by the caller). */
  read(line: string): DirectiveMatch {
    if (this.#done) return { kind: 'none' };
    const m = directiveLine.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (m === null || name === undefined || !known.has(name as Directive['name'])) {
      this.#done = true;
      return { kind: 'none' };
    }
    if (this.#seen.has(name)) return { kind: 'error', message: `only one ${name} parser directive can be used` };
    this.#seen.add(name);
    const value = m[2] ?? '';
    if (name === 'escape' && value !== '`' && value !== '\\') {
      return { kind: 'error', message: `invalid escape token '${value}' does not match \` or \\` };
    }
    return { kind: 'directive', name: name as Directive['name'], value };
  }
}
