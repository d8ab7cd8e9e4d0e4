/** Reads JSON-lines output (`kiln images --format json`, `--progress json`): one value per non-empty line. */
export function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
