/**
 * `.dockerignore` and `--exclude` matching with moby/patternmatcher's
 * semantics (https://github.com/moby/patternmatcher): patterns are cleaned,
 * `!` marks an exception, the last matching pattern wins, `**` spans
 * directories, and a pattern matching a directory matches everything below
 * it. Each pattern compiles, like upstream, to an exact, prefix or suffix
 * test or to a regular expression; the expression text is Go's, translated
 * to an equivalent JavaScript one.
 */
import { InvalidArgumentError } from '../../util/errors.js';
import { badPattern, cleanPath, matchGlob } from './go-path.js';

/** Per-pattern results for a directory, handed to its children (`MatchInfo`). */
export type MatchInfo = readonly boolean[];

type Compiled =
  | { readonly kind: 'exact' }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'regexp'; readonly re: RegExp; readonly goSource: string }
  | { readonly kind: 'bad' };

/** One cleaned pattern. */
export class Pattern {
  readonly text: string;
  readonly exclusion: boolean;
  #compiled: Compiled | undefined;

  constructor(text: string, exclusion: boolean) {
    this.text = text;
    this.exclusion = exclusion;
  }

  /** How the pattern is tested and, for a regular expression, its RE2 text as upstream builds it (for tests). */
  get compiled(): { kind: Compiled['kind']; goSource: string | undefined } {
    this.#compiled ??= compile(this.text);
    return { kind: this.#compiled.kind, goSource: this.#compiled.kind === 'regexp' ? this.#compiled.goSource : undefined };
  }

  /** Whether `path` (slash-separated, relative) matches; throws for a pattern that cannot compile. */
  match(path: string): boolean {
    this.#compiled ??= compile(this.text);
    const c = this.#compiled;
    switch (c.kind) {
      case 'exact':
        return path === this.text;
      case 'prefix':
        return path.startsWith(c.prefix);
      case 'suffix':
        return path.endsWith(c.suffix) || (c.suffix.startsWith('/') && path === c.suffix.slice(1));
      case 'regexp':
        return c.re.test(path);
      case 'bad':
        throw badPattern(this.text);
      default: {
        const never: never = c;
        return never;
      }
    }
  }
}

/** A list of patterns, evaluated in order (moby's `PatternMatcher`). */
export class PatternMatcher {
  readonly patterns: readonly Pattern[];
  /** True when some pattern is an exception (`!`). */
  readonly exclusions: boolean;

  /** Cleans and checks `patterns`; throws InvalidArgumentError for `!` alone or a malformed one. */
  constructor(patterns: readonly string[]) {
    const out: Pattern[] = [];
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new InvalidArgumentError('illegal exclusion pattern: "!"');
        exclusion = true;
        p = p.slice(1);
      }
      matchGlob(p, '.'); // syntax check only, as upstream does
      out.push(new Pattern(p, exclusion));
    }
    this.patterns = out;
    this.exclusions = out.some((p) => p.exclusion);
  }

  /** Matches `path` against the patterns alone, without parent directories (`MatchesExact`). */
  matchesExact(path: string): boolean {
    let matched = false;
    for (const p of this.patterns) {
      if (p.exclusion !== matched) continue;
      if (p.match(path)) matched = !p.exclusion;
    }
    return matched;
  }

  /** Matches `path` or any of its parent directories (`MatchesOrParentMatches`). */
  matchesOrParentMatches(path: string): boolean {
    return this.matchesUsingParentResults(path, undefined).matched;
  }

  /**
   * Matches `path` given its parent directory's results (`MatchesUsingParentResults`):
   * a pattern the parent matched matches the child too. Without `parent`,
   * the path's ancestors are tested directly.
   */
  matchesUsingParentResults(path: string, parent: MatchInfo | undefined): { matched: boolean; info: MatchInfo } {
    let matched = false;
    const info: boolean[] = [];
    this.patterns.forEach((p, i) => {
      let match = parent?.[i] ?? false;
      if (!match) {
        if (p.exclusion !== matched) {
          info.push(false);
          return;
        }
        match = p.match(path) || (parent === undefined && ancestorMatches(p, path));
      }
      info.push(match);
      if (match) matched = !p.exclusion;
    });
    return { matched, info };
  }

  /**
   * Whether an excluded directory must still be walked because an exception
   * might re-include something below it. Mirrors fsutil's walker: when every
   * exception is a plain path (no wildcard before a trailing `/*` or `/**`),
   * only exceptions under `dir/` count; otherwise every directory is walked.
   */
  mayIncludeBelow(dir: string): boolean {
    if (!this.exclusions) return false;
    const exceptions = this.patterns.filter((p) => p.exclusion);
    const plain = exceptions.every((p) => !/[*[\]?^\\]/.test(withoutTrailingGlob(p.text)));
    if (!plain) return true;
    return exceptions.some((p) => `${withoutTrailingGlob(p.text)}/`.startsWith(`${dir}/`));
  }
}

function withoutTrailingGlob(text: string): string {
  if (text.endsWith('/**')) return text.slice(0, -3);
  if (text.endsWith('/*')) return text.slice(0, -2);
  return text;
}

/** Whether `p` matches one of the parent directories of `path`. */
function ancestorMatches(p: Pattern, path: string): boolean {
  const slash = path.lastIndexOf('/');
  if (slash < 0) return false;
  const dirs = path.slice(0, slash).split('/');
  for (let i = 1; i <= dirs.length; i++) {
    if (safeMatch(p, dirs.slice(0, i).join('/'))) return true;
  }
  return false;
}

/** Upstream ignores errors when testing parents. */
function safeMatch(p: Pattern, path: string): boolean {
  try {
    return p.match(path);
  } catch {
    return false;
  }
}

/**
 * Compiles a cleaned pattern like upstream's `Pattern.compile`: builds Go's
 * regular expression text and the match kind it detects.
 */
function compile(pattern: string): Compiled {
  const chars = Array.from(pattern);
  let re = '^';
  let kind: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  for (let i = 0, pos = 0; pos < chars.length; i++) {
    const ch = chars[pos++] ?? '';
    if (ch === '*' && chars[pos] === '*') {
      pos++;
      if (chars[pos] === '/') pos++;
      if (pos >= chars.length) {
        if (kind === 'exact') kind = 'prefix';
        else {
          re += '.*';
          kind = 'regexp';
        }
      } else {
        re += '(.*/)?';
        kind = 'regexp';
      }
      if (i === 0) kind = 'suffix';
    } else if (ch === '*') {
      re += '[^/]*';
      kind = 'regexp';
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if ('.+()|{}$'.includes(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (pos < chars.length) {
        re += `\\${chars[pos++] ?? ''}`;
        kind = 'regexp';
      } else re += '\\';
    } else {
      if (ch === '[' || ch === ']') kind = 'regexp';
      re += ch;
    }
  }
  if (kind === 'prefix') return { kind, prefix: pattern.slice(0, -2) };
  if (kind === 'suffix') return { kind, suffix: pattern.slice(2) };
  if (kind === 'exact') return { kind };
  try {
    return { kind, re: new RegExp(goRegexpToJs(`${re}$`), 'u'), goSource: `${re}$` };
  } catch {
    return { kind: 'bad' };
  }
}

/**
 * Translates the RE2 text built above to a JavaScript (`u` flag) expression
 * with the same meaning: a `]` outside a class is a literal, and `\` before
 * punctuation escapes it.
 */
function goRegexpToJs(go: string): string {
  const chars = Array.from(go);
  let out = '';
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (c === '\\') {
      out += escaped(chars[++i] ?? '\\');
    } else if (c === '[' && !inClass) {
      inClass = true;
      out += c;
      if (chars[i + 1] === '^') out += chars[++i];
    } else if (c === ']') {
      out += inClass ? c : '\\]';
      inClass = false;
    } else {
      out += c;
    }
  }
  return out;
}

/** A character escaped in RE2, written for a JavaScript `u` expression. */
function escaped(c: string): string {
  if (/^[\^$\\.*+?()[\]{}|/]$/.test(c)) return `\\${c}`;
  if (/^[A-Za-z0-9]$/.test(c)) return `\\${c}`;
  return `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`;
}
