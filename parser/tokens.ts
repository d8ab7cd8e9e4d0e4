/**
 * Chevrotain tokens for one instruction line (continuations already joined) and
 * for the JSON (exec) form of arguments.
 *
 * Instruction lines are lexed in three modes, following BuildKit's split of a
 * line into keyword, leading `--flags`, and the rest:
 * - `keyword`: the first run of non-blank characters;
 * - `flags`: words starting with `--` (quotes removed, `\` escapes), until the
 *   bare word `--` or the first word that is not a flag;
 * - `rest`: everything else, untouched.
 *
 * See https://docs.docker.com/reference/dockerfile/#format
 */
import { createToken, Lexer, type CustomPatternMatcherReturn, type TokenType } from 'chevrotain';
import { isGoSpace } from '../util/space.js';

/** Blanks between words: BuildKit's `[\t\v\f\r ]`. */
export const Blank = createToken({ name: 'Blank', pattern: /[\t\v\f\r ]+/, line_breaks: false });

/** The instruction keyword, e.g. `FROM` or `from`. */
export const Keyword = createToken({ name: 'Keyword', pattern: /[^\t\v\f\r ]+/, push_mode: 'flags' });

/**
 * Scans one flag word starting at `offset` the way BuildKit's flag extractor
 * does: quotes are removed, a backslash escapes the next character, and the word
 * ends at the first unquoted space. Returns the end offset and the word's value.
 */
export function scanFlagWord(text: string, offset: number): { end: number; value: string } {
  let value = '';
  let quote = 0;
  let i = offset;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote === 0 && isGoSpace(c)) break;
    if (quote !== 0 && c === quote) {
      quote = 0;
      continue;
    }
    if (quote === 0 && (c === 0x22 || c === 0x27)) {
      quote = c;
      continue;
    }
    if (c === 0x5c) {
      if (i + 1 === text.length) {
        quote = 0;
        continue;
      }
      i++;
    }
    value += text[i];
  }
  return { end: i, value };
}

function isFlagStart(text: string, offset: number): boolean {
  return text.charCodeAt(offset) === 0x2d && text.charCodeAt(offset + 1) === 0x2d;
}

function matchFlag(wantEnd: boolean) {
  return (text: string, offset: number): CustomPatternMatcherReturn | null => {
    if (!isFlagStart(text, offset)) return null;
    const { end, value } = scanFlagWord(text, offset);
    if ((value === '--') !== wantEnd) return null;
    const m: CustomPatternMatcherReturn = [text.slice(offset, end)];
    m.payload = value;
    return m;
  };
}

/** The bare word `--`: ends flag parsing and is not recorded. */
export const FlagEnd = createToken({
  name: 'FlagEnd',
  pattern: { exec: matchFlag(true) },
  start_chars_hint: ['-'],
  line_breaks: false,
  push_mode: 'rest',
});

/** A `--name[=value]` word; its unquoted value is the token's payload. */
export const Flag = createToken({
  name: 'Flag',
  pattern: { exec: matchFlag(false) },
  start_chars_hint: ['-'],
  line_breaks: false,
});

/** The arguments: everything after the keyword and flags, verbatim. */
export const Rest = createToken({
  name: 'Rest',
  // A custom matcher: chevrotain's first-char analysis mishandles `[\s\S]`.
  pattern: { exec: (text: string, offset: number): CustomPatternMatcherReturn | null => (offset < text.length ? [text.slice(offset)] : null) },
  line_breaks: true,
});

export const instructionTokens: TokenType[] = [Blank, Keyword, FlagEnd, Flag, Rest];

/** The lexer for instruction lines; built once, reused for every line. */
export const instructionLexer = new Lexer(
  {
    modes: {
      keyword: [Blank, Keyword],
      flags: [Blank, FlagEnd, Flag, Rest],
      rest: [Blank, Rest],
    },
    defaultMode: 'keyword',
  },
  // Complement sets and custom patterns cannot use first-char optimizations;
  // instruction lines are short, so that costs little.
  { positionTracking: 'onlyOffset', skipValidations: process.env.KILN_VALIDATE_GRAMMAR !== '1' },
);

// JSON (https://www.rfc-editor.org/rfc/rfc8259), as strict as Go's encoding/json.
export const JsonWhite = createToken({ name: 'JsonWhite', pattern: /[ \t\n\r]+/, group: Lexer.SKIPPED });
export const LBracket = createToken({ name: 'LBracket', pattern: '[' });
export const RBracket = createToken({ name: 'RBracket', pattern: ']' });
export const LBrace = createToken({ name: 'LBrace', pattern: '{' });
export const RBrace = createToken({ name: 'RBrace', pattern: '}' });
export const Comma = createToken({ name: 'Comma', pattern: ',' });
export const Colon = createToken({ name: 'Colon', pattern: ':' });
export const JsonString = createToken({
  name: 'JsonString',
  // eslint-disable-next-line no-control-regex
  pattern: /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/,
});
export const JsonNumber = createToken({ name: 'JsonNumber', pattern: /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/ });
export const JsonTrue = createToken({ name: 'JsonTrue', pattern: 'true' });
export const JsonFalse = createToken({ name: 'JsonFalse', pattern: 'false' });
export const JsonNull = createToken({ name: 'JsonNull', pattern: 'null' });

export const jsonTokens: TokenType[] = [
  JsonWhite,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  JsonString,
  JsonNumber,
  JsonTrue,
  JsonFalse,
  JsonNull,
];

/** The JSON lexer; built once. */
export const jsonLexer = new Lexer(jsonTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true, skipValidations: process.env.KILN_VALIDATE_GRAMMAR !== '1' });
