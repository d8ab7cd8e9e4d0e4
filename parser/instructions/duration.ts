/**
 * Go's `time.ParseDuration`, which BuildKit uses for HEALTHCHECK's interval
 * flags: a sequence of decimal numbers with units, e.g. `1h30m`, `1.5s`, `300ms`.
 */
import { SpecError } from './ctx.js';
import { goQuote } from '../../util/go-quote.js';

const units: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);
const MAX = 1n << 63n;

/**
 * Parses a Go duration into nanoseconds. Throws {@link SpecError} with Go's
 * message (`time: invalid duration "x"`, `time: missing unit ...`, ...).
 */
export function parseGoDuration(text: string): number {
  const invalid = (): SpecError => new SpecError(`time: invalid duration ${goQuote(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s);
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    if (whole === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(m?.[0].length ?? 0);
    const unitText = /^[^0-9.]*/.exec(s)?.[0] ?? '';
    if (unitText === '') throw new SpecError(`time: missing unit in duration ${goQuote(text)}`);
    const unit = units.get(unitText);
    if (unit === undefined) throw new SpecError(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`);
    s = s.slice(unitText.length);
    total += component(whole, frac ?? '', unit, invalid);
    if (total > MAX) throw invalid();
  }
  if (!negative && total > MAX - 1n) throw invalid();
  return Number(negative ? -total : total);
}

/** `whole.frac` × unit, truncated to whole nanoseconds like Go. */
function component(whole: string, frac: string, unit: bigint, invalid: () => SpecError): bigint {
  const w = BigInt(whole === '' ? '0' : whole);
  if (w > MAX / unit) throw invalid();
  let v = w * unit;
  if (frac !== '') {
    // Go keeps fraction digits while they fit and scales with a float; digits
    // beyond nanosecond precision cannot change the truncated result.
    const digits = frac.slice(0, 18);
    v += (BigInt(digits) * unit) / 10n ** BigInt(digits.length);
  }
  return v;
}
