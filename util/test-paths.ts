/**
 * Paths for tests: the repository root and the shared folder beside it
 * (`KILN_SHARED` overrides). Tests read conformance vectors there in place.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor of this file with kiln's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kiln') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the kiln repository root');
    dir = up;
  }
}

/** The shared folder (conformance vectors, bench cases); throws when it is missing. */
export function sharedDir(): string {
  const dir = resolve(process.env.KILN_SHARED ?? join(repoRoot(), '..', 'shared'));
  if (!existsSync(join(dir, 'conformance'))) {
    throw new Error(`shared folder not found at ${dir} (set KILN_SHARED): conformance tests cannot run`);
  }
  return dir;
}
