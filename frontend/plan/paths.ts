/**
 * Container paths as BuildKit computes them (Go's `path.Clean`/`path.Join`
 * and BuildKit's `system.NormalizePath`), for WORKDIR, COPY destinations and
 * mount targets. Linux paths only.
 */
import { cleanPath } from '../../util/go-path-clean.js';

export { cleanPath };

/** Go's `path.Join`. */
export function joinPath(...elems: readonly string[]): string {
  const parts = elems.filter((e) => e !== '');
  return parts.length === 0 ? '' : cleanPath(parts.join('/'));
}

/**
 * BuildKit's `system.NormalizePath`: `p` made absolute against `parent` and
 * cleaned; with `keepSlash`, a trailing `/` (or `/.`) of `p` survives.
 */
export function normalizePath(parent: string, p: string, keepSlash: boolean): string {
  const base = parent === '' ? '/' : parent;
  let out = cleanPath(p.startsWith('/') ? p : joinPath(base.startsWith('/') ? base : `/${base}`, p));
  if (keepSlash) {
    if (p.endsWith('/') && !out.endsWith('/')) out += '/';
    else if (p.endsWith('/.')) out = `${out === '/' ? '' : out}/.`;
  }
  return out;
}

/** WORKDIR's new directory: `wd` against the current one. */
export function normalizeWorkdir(current: string, wd: string): string {
  return normalizePath(current, wd, false);
}

/**
 * A COPY/ADD destination against the working directory (BuildKit's
 * `pathRelativeToWorkingDir`): `.` and `''` mean the directory itself.
 */
export function destPath(cwd: string, dest: string): string {
  if (dest.startsWith('/')) return normalizePath('/', dest, true);
  return normalizePath(cwd, dest === '.' || dest === '' ? './' : dest, true);
}

/** The last element of a path (Go's `path.Base`). */
export function basePath(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
