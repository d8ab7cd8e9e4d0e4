/**
 * Go's `fmt` renderings that BuildKit writes into history `created_by`
 * (`%q` of a string slice, `%v` of a slice, `time.Duration`), so kiln's
 * history text is byte-for-byte BuildKit's. Quoting itself is util/go-quote.ts.
 */

/** `fmt.Sprintf("%v", []string{...})`: `[a b]`. */
export function goList(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

/** `value / unit` with Go's trimmed fraction, e.g. 1500000 / 1e6 → `1.5`. */
function fraction(value: number, unit: number): string {
  const whole = Math.floor(value / unit);
  const rest = value - whole * unit;
  if (rest === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Go's `time.Duration.String()` for a count of nanoseconds: `0s`, `1.5ms`, `5m0s`, `1h0m30s`. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let u = Math.abs(ns);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${fraction(u, 1e3)}µs`;
  if (u < 1e9) return `${sign}${fraction(u, 1e6)}ms`;
  const h = Math.floor(u / 3.6e12);
  u -= h * 3.6e12;
  const m = Math.floor(u / 6e10);
  u -= m * 6e10;
  const hours = h > 0 ? `${h}h` : '';
  const minutes = h > 0 || m > 0 ? `${m}m` : '';
  return `${sign}${hours}${minutes}${fraction(u, 1e9)}s`;
}
