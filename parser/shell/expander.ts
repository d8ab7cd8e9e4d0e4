import { EOF, codePointAt, cpWidth, isDigit, isNameChar, isSpecialParam, runeString } from './chars.js';
import type { EnvLookup } from './env.js';
import { ShellExpansionError } from './errors.js';
import { applyModifier, substitute } from './modifiers.js';
import { WordList, type WordScratch } from './words.js';

const DOLLAR = 0x24;
const SQUOTE = 0x27;
const DQUOTE = 0x22;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COLON = 0x3a;
const SLASH = 0x2f;

/** Lexer settings for one expansion, already resolved from the public options. */
export interface LexMode {
  readonly escape: number;
  readonly rawQuotes: boolean;
  readonly rawEscapes: boolean;
  readonly skipUnsetEnv: boolean;
  readonly skipProcessQuotes: boolean;
}

/** What one scan produced: the joined text and, when asked for, its words. */
export interface Scanned {
  readonly text: string;
  readonly words: string[];
}

/**
 * One expansion of one word: a cursor over the input plus the lookup and the
 * variables seen. Mirrors BuildKit's `shellWord`, including where the cursor
 * stands when an error is raised, since that decides between
 * "missing '}'" and the inner error.
 */
export class Expansion {
  readonly src: string;
  pos: number;
  readonly mode: LexMode;
  private rawEscapes: boolean;
  private readonly lookup: EnvLookup;
  private readonly scratch: WordScratch | undefined;
  readonly matched: Set<string> | undefined;
  readonly unmatched: Set<string> | undefined;

  constructor(src: string, lookup: EnvLookup, mode: LexMode, capture: boolean, splitWords: boolean) {
    this.src = src;
    // Go's text/scanner skips a byte order mark at the very start of its input.
    this.pos = src.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.mode = mode;
    this.rawEscapes = mode.rawEscapes;
    this.lookup = lookup;
    this.scratch = splitWords ? { text: '' } : undefined;
    this.matched = capture ? new Set() : undefined;
    this.unmatched = capture ? new Set() : undefined;
  }

  get atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** Looks a variable up, recording whether it was set. */
  getEnv(name: string): string | undefined {
    const value = this.lookup(name);
    if (value === undefined) this.unmatched?.add(name);
    else this.matched?.add(name);
    return value;
  }

  /** Consumes and returns the next code point, or {@link EOF}. */
  next(): number {
    const cp = codePointAt(this.src, this.pos);
    if (cp !== EOF) this.pos += cpWidth(cp);
    return cp;
  }

  /**
   * Scans until `stop` (consumed) or the end of input (`stop` = EOF), with
   * escapes kept in the output when `rawEscapes` is set.
   */
  scanUntil(stop: number, rawEscapes: boolean): Scanned {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      return this.scan(stop);
    } finally {
      this.rawEscapes = saved;
    }
  }

  private isQuote(c: number): boolean {
    return (c === SQUOTE || c === DQUOTE) && !this.mode.skipProcessQuotes;
  }

  private isSpecial(c: number): boolean {
    return c === DOLLAR || c === this.mode.escape || this.isQuote(c);
  }

  private scan(stop: number): Scanned {
    const src = this.src;
    const words = this.scratch === undefined ? undefined : new WordList(this.scratch);
    let out = '';
    while (this.pos < src.length) {
      const c = src.charCodeAt(this.pos);
      if (c === stop) {
        this.pos++;
        return { text: out, words: words?.finish() ?? [] };
      }
      if (c === DOLLAR) {
        const value = this.dollar();
        out += value;
        words?.addSplit(value);
      } else if (this.isQuote(c)) {
        const value = c === SQUOTE ? this.singleQuoted() : this.doubleQuoted();
        out += value;
        words?.addRaw(value);
      } else if (c === this.mode.escape) {
        const escape = src.slice(this.pos, ++this.pos);
        if (this.rawEscapes) {
          out += escape;
          words?.addRaw(escape);
        }
        // A trailing escape is dropped.
        if (this.pos >= src.length) break;
        const from = this.pos;
        this.next();
        const ch = src.slice(from, this.pos);
        out += ch;
        words?.addRaw(ch);
      } else {
        const start = this.pos;
        let end = start + 1;
        while (end < src.length) {
          const d = src.charCodeAt(end);
          if (d === stop || this.isSpecial(d)) break;
          end++;
        }
        this.pos = end;
        const run = src.slice(start, end);
        out += run;
        words?.addSplit(run);
      }
    }
    if (stop !== EOF) {
      throw new ShellExpansionError(`unexpected end of statement while looking for matching ${runeString(stop)}`);
    }
    return { text: out, words: words?.finish() ?? [] };
  }

  /** `'...'`: everything literal up to the next single quote. */
  private singleQuoted(): string {
    const open = this.pos;
    const close = this.src.indexOf("'", open + 1);
    if (close < 0) {
      this.pos = this.src.length;
      throw new ShellExpansionError('unexpected end of statement while looking for matching single-quote');
    }
    this.pos = close + 1;
    return this.mode.rawQuotes ? this.src.slice(open, close + 1) : this.src.slice(open + 1, close);
  }

  /**
   * `"..."`: `$` expands; the escape token escapes only `"`, `$` and itself
   * and is otherwise kept (so `"a\tb"` stays `a\tb`).
   */
  private doubleQuoted(): string {
    const src = this.src;
    const esc = this.mode.escape;
    const escChar = String.fromCharCode(esc);
    let out = this.mode.rawQuotes ? '"' : '';
    this.pos++;
    for (;;) {
      if (this.pos >= src.length) {
        throw new ShellExpansionError('unexpected end of statement while looking for matching double-quote');
      }
      const c = src.charCodeAt(this.pos);
      if (c === DQUOTE) {
        this.pos++;
        return this.mode.rawQuotes ? out + '"' : out;
      }
      if (c === DOLLAR) {
        out += this.dollar();
      } else if (c === esc) {
        this.pos++;
        if (this.rawEscapes) out += escChar;
        if (this.pos >= src.length) continue;
        const d = src.charCodeAt(this.pos);
        if (d === DQUOTE || d === DOLLAR || d === esc) {
          this.pos++;
          out += src[this.pos - 1];
        } else {
          out += escChar;
        }
      } else {
        const start = this.pos;
        let end = start + 1;
        while (end < src.length) {
          const d = src.charCodeAt(end);
          if (d === DQUOTE || d === DOLLAR || d === esc) break;
          end++;
        }
        this.pos = end;
        out += src.slice(start, end);
      }
    }
  }

  /** `$NAME`, `${NAME}` and `${NAME<modifier>...}`; the cursor is on the `$`. */
  private dollar(): string {
    this.pos++;
    if (this.src.charCodeAt(this.pos) !== LBRACE) {
      const name = this.name();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined) return this.mode.skipUnsetEnv ? '$' + name : '';
      return value;
    }
    this.pos++;
    if (this.atEnd) throw new ShellExpansionError("syntax error: missing '}'");
    const first = this.src.charCodeAt(this.pos);
    if (first === LBRACE || first === RBRACE || first === COLON) {
      throw new ShellExpansionError('syntax error: bad substitution');
    }
    const name = this.name();
    const op = this.next();
    if (op === RBRACE) {
      const value = this.getEnv(name);
      if (value === undefined) return this.mode.skipUnsetEnv ? '${' + name + '}' : '';
      return value;
    }
    if (op === COLON) {
      const real = this.next();
      return applyModifier(this, name, real, ':' + runeString(real), true);
    }
    if (op === SLASH) return substitute(this, name);
    return applyModifier(this, name, op, runeString(op), false);
  }

  /**
   * A parameter name: a run of digits (positional), one special parameter
   * character, or letters, digits and `_`. Empty when none of these follows.
   */
  private name(): string {
    const src = this.src;
    const start = this.pos;
    let cp = codePointAt(src, this.pos);
    if (cp === EOF) return '';
    if (isDigit(cp)) {
      while (cp !== EOF && isDigit(cp)) {
        this.pos += cpWidth(cp);
        cp = codePointAt(src, this.pos);
      }
      return src.slice(start, this.pos);
    }
    if (isSpecialParam(cp)) {
      this.pos++;
      return src.slice(start, this.pos);
    }
    while (cp !== EOF && isNameChar(cp)) {
      this.pos += cpWidth(cp);
      cp = codePointAt(src, this.pos);
    }
    return src.slice(start, this.pos);
  }
}
