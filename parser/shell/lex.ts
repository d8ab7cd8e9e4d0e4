import { EOF } from './chars.js';
import { envLookup, type Env } from './env.js';
import { ShellExpansionError } from './errors.js';
import { Expansion, type LexMode, type Scanned } from './expander.js';

/**
 * How a {@link ShellLex} treats quotes, escapes and unset variables.
 * The defaults are those of Dockerfile instruction expansion.
 */
export interface ShellLexOptions {
  /** The Dockerfile's escape token (`# escape=` directive). Default `\`. */
  escapeToken?: '\\' | '`';
  /** Keep quote characters in the output instead of removing them. */
  rawQuotes?: boolean;
  /** Keep escape tokens in the output instead of removing them. */
  rawEscapes?: boolean;
  /** Leave references to unset variables as written (`$X`, `${X:-y}`) instead of expanding them. */
  skipUnsetEnv?: boolean;
  /** Treat `'` and `"` as ordinary characters. */
  skipProcessQuotes?: boolean;
}

/** Everything one expansion produced (BuildKit's `ProcessWordResult`). */
export interface ExpandResult {
  /** The expanded word, quotes removed, whitespace kept. */
  result: string;
  /** The expansion split into words on unquoted whitespace. */
  words: string[];
  /** Variables referenced and set. */
  matched: Set<string>;
  /** Variables referenced but not set. */
  unmatched: Set<string>;
}

/**
 * BuildKit's Dockerfile shell lexer (`frontend/dockerfile/shell`): variable
 * expansion and word splitting for instruction arguments. It is not a shell:
 * there is no command substitution, globbing or arithmetic, and behaviour
 * follows BuildKit where it departs from POSIX (for instance `${VAR:=x}` is
 * an error and special parameters such as `$1` or `$@` are always empty).
 *
 * Instances hold only options and may be shared.
 */
export class ShellLex {
  private readonly mode: LexMode;

  constructor(opts: ShellLexOptions = {}) {
    this.mode = {
      escape: (opts.escapeToken ?? '\\').charCodeAt(0),
      rawQuotes: opts.rawQuotes ?? false,
      rawEscapes: opts.rawEscapes ?? false,
      skipUnsetEnv: opts.skipUnsetEnv ?? false,
      skipProcessQuotes: opts.skipProcessQuotes ?? false,
    };
  }

  /** Expands `word` into one string (BuildKit `ProcessWord`). Throws {@link ShellExpansionError}. */
  processWord(word: string, env: Env): string {
    return this.run(new Expansion(word, envLookup(env), this.mode, false, false)).text;
  }

  /**
   * Expands `word` and splits it on unquoted whitespace, including whitespace
   * produced by unquoted expansions (BuildKit `ProcessWords`).
   */
  processWords(word: string, env: Env): string[] {
    return this.run(new Expansion(word, envLookup(env), this.mode, false, true)).words;
  }

  /** Expands `word`, reporting the words and which variables were found (BuildKit `ProcessWordWithMatches`). */
  process(word: string, env: Env): ExpandResult {
    const exp = new Expansion(word, envLookup(env), this.mode, true, true);
    const out = this.run(exp);
    return {
      result: out.text,
      words: out.words,
      matched: exp.matched ?? new Set(),
      unmatched: exp.unmatched ?? new Set(),
    };
  }

  private run(exp: Expansion): Scanned {
    try {
      return exp.scanUntil(EOF, this.mode.rawEscapes);
    } catch (err) {
      if (err instanceof ShellExpansionError && err.word === undefined) err.word = exp.src;
      throw err;
    }
  }
}

const defaultLex = new ShellLex();

/** Expands one word with a throwaway lexer; see {@link ShellLex.processWord}. */
export function expandWord(word: string, env: Env, opts?: ShellLexOptions): string {
  return (opts === undefined ? defaultLex : new ShellLex(opts)).processWord(word, env);
}
