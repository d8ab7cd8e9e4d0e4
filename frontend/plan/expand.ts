/**
 * Variable expansion in the scope of a stage, with the lexer settings BuildKit
 * uses for each purpose, and errors located at the instruction.
 * See https://docs.docker.com/reference/dockerfile/#environment-replacement
 */
import { DockerfileSyntaxError, ShellExpansionError, ShellLex, type Range } from '../../parser/runtime.js';
import { KilnError } from '../../util/errors.js';

/** Variables visible to an expansion, in definition order. */
export type Vars = ReadonlyMap<string, string>;

/** The lexers of one Dockerfile (they depend on its escape token). */
export class Expander {
  readonly #plain: ShellLex;
  /** Progress names of RUN: quotes kept, unset variables left as written. */
  readonly #raw: ShellLex;
  /** Heredoc bodies: quotes are ordinary characters, `\` always escapes. */
  readonly #heredoc = new ShellLex({ escapeToken: '\\', skipProcessQuotes: true });

  constructor(escapeToken: '\\' | '`') {
    this.#plain = new ShellLex({ escapeToken });
    this.#raw = new ShellLex({ escapeToken, rawQuotes: true, skipUnsetEnv: true });
  }

  /** One word (BuildKit `ProcessWord`). Throws {@link ShellExpansionError}. */
  word(text: string, vars: Vars): string {
    return this.#plain.processWord(text, vars);
  }

  /** One word split into words (BuildKit `ProcessWords`). */
  words(text: string, vars: Vars): string[] {
    return this.#plain.processWords(text, vars);
  }

  /** One word and the variables it used (BuildKit `ProcessWordWithMatches`). */
  wordWithMatches(text: string, vars: Vars): { result: string; matched: ReadonlySet<string> } {
    const r = this.#plain.process(text, vars);
    return { result: r.result, matched: r.matched };
  }

  /** A heredoc body whose delimiter was not quoted. */
  heredoc(text: string, vars: Vars): string {
    return this.#heredoc.processWord(text, vars);
  }

  /** BuildKit's `processCmdEnv` for progress names: the text itself when expansion fails. */
  display(text: string, vars: Vars, raw: boolean): string {
    try {
      return (raw ? this.#raw : this.#plain).processWord(text, vars);
    } catch {
      return text;
    }
  }
}

/**
 * Runs `fn`, turning kiln's own errors (a user mistake: InvalidArgumentError,
 * ShellExpansionError, …) into a {@link DockerfileSyntaxError} at `range`
 * unless it already is one (an inner location wins). Anything else is a bug
 * and passes through untouched, so it surfaces as one (with its stack under
 * `--debug`). A shell expansion error reads like BuildKit's:
 * `failed to process "word": reason`.
 */
export function located<T>(filename: string, range: Range, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw locate(err, filename, range);
  }
}

/** The error for {@link located}: `err` itself unless it is a kiln error without a location. */
export function locate(err: unknown, filename: string, range: Range): unknown {
  if (err instanceof DockerfileSyntaxError || !(err instanceof KilnError)) return err;
  let detail = err instanceof Error ? err.message : String(err);
  if (err instanceof ShellExpansionError && err.word !== undefined) detail = `failed to process "${err.word}": ${detail}`;
  return new DockerfileSyntaxError(detail, filename, range, { cause: err });
}
