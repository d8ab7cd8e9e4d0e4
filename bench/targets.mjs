// What bench/run.mjs compares against: issue #15's targets, and BuildKit's
// reference figures read from the shared bench README (printed, marked
// "reference", when no BuildKit is reachable to measure in the same run).
import { existsSync, readFileSync } from 'node:fs';

/** Issue #15's targets (whole process, median of 5, seconds); ratio targets to BuildKit where it sets one. */
export const targets = {
  'hello cold': { s: 0.10, ratio: 0.7 },
  'hello warm': { s: 0.06, ratio: 0.65 },
  'chain10 cold': { s: 0.40 },
  'chain10 warm': { s: 0.07 },
  'manylayers cold': { s: 2.2 },
  'manylayers warm': { s: 0.10 },
  'bigctx fresh root': { s: 1.0 },
  'bigctx warm': { s: 0.12 },
  'bigctx 1 file changed': { s: 0.6 },
  'parallel cold': { s: 2.10 },
  'biglayer cold': { s: 1.6 },
};

/**
 * BuildKit's column of the shared README's table, keyed like `targets`
 * ("hello, cold (`--no-cache`)" → "hello cold"). Empty when the file is missing.
 */
export function referenceFigures(readmePath) {
  const out = {};
  if (!existsSync(readmePath)) return out;
  for (const line of readFileSync(readmePath, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | case | what it stresses | BuildKit | buildah | kiln target |
    if (cells.length < 5) continue;
    const m = /^(\w+), (.+)$/.exec(cells[1] ?? '');
    const s = /^([\d.]+) s$/.exec(cells[3] ?? '');
    if (!m || !s) continue;
    const variant = m[2].replace(/\s*\(.*\)$/, '').replace(/ no-op$/, '');
    out[`${m[1]} ${variant}`] = Number(s[1]);
  }
  return out;
}
