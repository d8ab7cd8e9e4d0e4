/**
 * `units.RAMInBytes` from docker/go-units, used by `RUN --mount=type=tmpfs,size=`:
 * a decimal number with an optional binary suffix (`k`, `m`, `g`, `t`, `p`,
 * each optionally followed by `b` or `ib`, any case), e.g. `64m`, `1.5GiB`.
 */

const multipliers: Readonly<Record<string, number>> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** Bytes for a size like `64m`; `null` when the text is not a valid size. */
export function ramInBytes(text: string): number | null {
  const m = /^([0-9.]+)( ?)([^0-9. ]*)$/.exec(text);
  if (m === null) return null;
  const num = m[1] ?? '';
  const suffix = (m[3] ?? '').toLowerCase();
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)$/.test(num)) return null;
  const size = Number(num);
  if (suffix === '' || suffix === 'b') return Math.trunc(size);
  const mul = multipliers[suffix[0] ?? ''];
  if (mul === undefined) return null;
  const rest = suffix.slice(1);
  if (rest !== '' && rest !== 'b' && rest !== 'ib') return null;
  return Math.trunc(size * mul);
}
