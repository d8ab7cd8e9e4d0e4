/**
 * The few Go `strconv` behaviours BuildKit's messages and checks depend on:
 * `ParseBool`, `ParseUint` and `ParseInt` with a bit size.
 * Failures throw {@link SpecError} with Go's own message.
 */
import { goQuote } from '../../util/go-quote.js';
import { SpecError } from './ctx.js';

/** Go's `strconv.ParseBool`; `null` when the text is not one of its spellings. */
export function goParseBool(s: string): boolean | null {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
    default:
      return null;
  }
}

/** Go's `strconv.ParseUint(s, base, 32)` for base 8 or 10; `null` on any error. */
export function goParseUint32(s: string, base: 8 | 10): number | null {
  const digits = base === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(s)) return null;
  const n = Number.parseInt(s, base);
  return n <= 0xffffffff ? n : null;
}

/** Go's `strconv.ParseInt(s, 10, 32)`; throws with Go's message on error. */
export function goParseInt32(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new SpecError(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const n = Number(s);
  if (n < -0x80000000 || n > 0x7fffffff) throw new SpecError(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return n;
}

/** Byte length of `s` in UTF-8 (Go counts columns and lengths in bytes). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
