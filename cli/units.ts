/** Sizes and durations as docker's flags take them. */
import { InvalidArgumentError } from '../util/errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

/** `512MB`, `20GB`, `1.5g`, `1000` (bytes; binary units like docker's `--keep-storage`). */
export function parseSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined) throw new InvalidArgumentError(`${what} ${JSON.stringify(text)}: expected a size such as 512MB or 20GB`);
  return Math.floor(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (`24h`, `1h30m`, `90s`, `500ms`) in milliseconds. */
export function parseDuration(text: string, what: string): number {
  const bad = (): never => {
    throw new InvalidArgumentError(`${what} ${JSON.stringify(text)}: expected a duration such as 24h, 30m or 1h30m`);
  };
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) bad();
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? bad());
  return ms;
}
