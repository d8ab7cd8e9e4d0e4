/** Human-readable sizes, times and tables for CLI output, Docker-style. */

/** `12.3MB`-style size (decimal units, like Docker). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u === 0 ? n : n.toPrecision(3).replace(/\.?0+$/, '')}${units[u] ?? ''}`;
}

/** `5 minutes ago`-style age of an RFC 3339 time. */
export function humanAge(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.round((now - t) / 1000));
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.35, 'week'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let v = s;
  for (const [size, name] of steps) {
    if (v < size) return v <= 1 && name === 'second' ? 'Less than a second ago' : `${Math.floor(v)} ${name}${Math.floor(v) === 1 ? '' : 's'} ago`;
    v /= size;
  }
  return 'N/A';
}

/** Left-aligned columns separated by at least three spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** The short image id Docker shows: 12 hex characters. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
