/**
 * The typed Dockerfile syntax tree. Every node carries a source {@link Range}.
 * Lines and columns are 1-based; columns count UTF-16 code units; offsets are
 * 0-based indexes into the text as given (after nothing is stripped: a BOM
 * counts as one offset).
 */

/** A point in the source text. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A half-open span `[start, end)` of source text. */
export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** A parser directive at the top of the file (`# syntax=`, `# escape=`, `# check=`). */
export interface Directive {
  readonly kind: 'directive';
  readonly name: 'syntax' | 'escape' | 'check';
  readonly value: string;
  readonly range: Range;
}

/** A `--name[=value]` flag word before an instruction's arguments, quotes removed. */
export interface Flag {
  readonly kind: 'flag';
  /** The word as BuildKit records it, e.g. `--from=builder`. */
  readonly raw: string;
  readonly name: string;
  /** `null` for a bare `--name`. */
  readonly value: string | null;
  readonly range: Range;
}

/** One argument word or string, exactly as the parser keeps it (no expansion). */
export interface Word {
  readonly kind: 'word';
  readonly value: string;
  readonly range: Range;
}

/** A `KEY=value` pair of ENV or LABEL (or the legacy `KEY value` form). */
export interface KeyValue {
  readonly kind: 'keyValue';
  readonly key: Word;
  readonly value: Word;
  /** True for the legacy `ENV KEY value` form. */
  readonly legacy: boolean;
  readonly range: Range;
}

/** A here-document attached to RUN, COPY or ADD. */
export interface Heredoc {
  readonly kind: 'heredoc';
  /** The delimiter with quotes removed. */
  readonly name: string;
  /** The file descriptor number before `<<` (0 when absent). */
  readonly fileDescriptor: number;
  /** False when any part of the delimiter was quoted: the body is not expanded. */
  readonly expand: boolean;
  /** True for `<<-`: leading tabs are stripped from the body when used. */
  readonly chomp: boolean;
  /** The body lines verbatim, each with its newline; the terminator excluded. */
  readonly content: string;
  /** Covers the body and the terminator line. */
  readonly range: Range;
}

/**
 * The arguments of an instruction, by the form BuildKit's line parsers give them.
 * - `json`: a valid JSON array of strings (exec form).
 * - `words`: whitespace-separated words (FROM, EXPOSE, non-JSON ADD/COPY/VOLUME, ARG).
 * - `string`: the rest of the line verbatim (shell form, USER, WORKDIR, ...); `null` when empty.
 * - `keyValue`: ENV and LABEL.
 * - `healthcheck`: a type word (CMD, NONE, ...) then a json or string command.
 * - `onbuild`: a nested instruction.
 * - `ignored`: an unknown instruction; its text is not interpreted.
 */
export type Args =
  | { readonly form: 'json'; readonly values: readonly Word[] }
  | { readonly form: 'words'; readonly values: readonly Word[] }
  | { readonly form: 'string'; readonly value: Word | null }
  | { readonly form: 'keyValue'; readonly pairs: readonly KeyValue[] }
  | { readonly form: 'healthcheck'; readonly type: Word | null; readonly command: JsonOrString | null }
  | { readonly form: 'onbuild'; readonly instruction: Instruction | null }
  | { readonly form: 'ignored' };

/** The command part of HEALTHCHECK. */
export type JsonOrString =
  | { readonly form: 'json'; readonly values: readonly Word[] }
  | { readonly form: 'string'; readonly value: Word | null };

/** One instruction: a keyword, its flags, its arguments and any heredocs. */
export interface Instruction {
  readonly kind: 'instruction';
  /** The keyword as written (case kept), e.g. `From`. */
  readonly keyword: string;
  /** The keyword lowercased, e.g. `from`. */
  readonly name: string;
  readonly keywordRange: Range;
  readonly flags: readonly Flag[];
  readonly args: Args;
  readonly heredocs: readonly Heredoc[];
  /** The logical line (continuations joined, comments dropped). */
  readonly original: string;
  /** Comment lines directly before the instruction, `#` and surrounding blanks removed. */
  readonly comments: readonly string[];
  /** From the first character of the keyword to the end of the last line consumed. */
  readonly range: Range;
}

/** A parser warning (not fatal), e.g. an empty continuation line. */
export interface Warning {
  readonly message: string;
  readonly range: Range;
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  readonly kind: 'dockerfile';
  readonly filename: string;
  readonly escapeToken: '\\' | '`';
  readonly directives: readonly Directive[];
  readonly instructions: readonly Instruction[];
  readonly warnings: readonly Warning[];
  readonly range: Range;
}
