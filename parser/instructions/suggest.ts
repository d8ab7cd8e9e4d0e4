/**
 * "did you mean …?" hints, as BuildKit's `util/suggest` gives them: the
 * closest option within an edit distance of 2 (Levenshtein), ties going to
 * the option listed first.
 */

/** Levenshtein distance by code point (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[y.length] ?? 0;
}

/**
 * The option `value` was probably meant to be, or `null` (also when `value`
 * is itself an option: the error is then about something else). Without
 * `caseSensitive`, comparison ignores case and the answer takes the case of
 * `value` when that is all lower or all upper.
 */
export function suggest(value: string, options: readonly string[], caseSensitive: boolean): string | null {
  const val = caseSensitive ? value : value.toLowerCase();
  let best: string | null = null;
  let bestDistance = 3;
  for (const option of options) {
    const opt = caseSensitive ? option : option.toLowerCase();
    if (opt === val) return null;
    const d = editDistance(val, opt);
    if (d < bestDistance) {
      best = caseSensitive ? opt : matchCase(opt, value);
      bestDistance = d;
    }
  }
  return best;
}

/** `message` with BuildKit's ` (did you mean X?)` appended when a suggestion exists. */
export function withSuggestion(message: string, value: string, options: readonly string[], caseSensitive: boolean): string {
  const match = suggest(value, options, caseSensitive);
  return match === null ? message : `${message} (did you mean ${match}?)`;
}

function matchCase(option: string, original: string): string {
  if (original === original.toLowerCase()) return option.toLowerCase();
  if (original === original.toUpperCase()) return option.toUpperCase();
  return option;
}
