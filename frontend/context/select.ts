/**
 * Docker's COPY/ADD source rules against a source tree (the build context or
 * another stage's rootfs): https://docs.docker.com/reference/dockerfile/#copy
 *
 * - A source is cleaned against `/`, so `../x` is `x` at the tree's root:
 *   nothing outside the tree can be named.
 * - Symlinks in a source path, the last component included, are resolved
 *   inside the tree (BuildKit's FollowSymlinks for COPY sources).
 * - Wildcards use Go's filepath.Match per path segment; a match that is a
 *   directory is not searched further.
 * - A directory source copies its contents; a file keeps its name.
 * - `--parents` keeps each source's path (after a `/./` pivot if there is
 *   one) below the destination; its wildcards may use `**`.
 * - `--exclude` patterns apply to paths below each source and to the path
 *   of each wildcard match below the wildcard's fixed prefix.
 * - A source that matches nothing is an error naming it, as BuildKit says:
 *   `failed to compute cache key: ...: "/x": not found`.
 */
import type { Digest } from '../../util/digest.js';
import { NotFoundError } from '../../util/errors.js';
import { cleanPath, hasWildcards, matchGlob } from './go-path.js';
import type { ContextHasher } from './hash.js';
import { PatternMatcher } from './patternmatcher.js';
import type { EntryKind, SourceTree } from './tree.js';

/** What to select. */
export interface SelectRequest {
  /** Local source paths as written (after variable expansion), never URLs. */
  readonly sources: readonly string[];
  /** `--parents`. */
  readonly parents?: boolean;
  /** `--exclude` patterns. */
  readonly exclude?: readonly string[];
}

/** One selected source. */
export interface SelectedSource {
  /** The source argument it came from. */
  readonly original: string;
  /** Its path in the tree, symlinks resolved ('' for the root). */
  readonly rel: string;
  readonly kind: EntryKind;
  /**
   * Where it goes below a directory destination: a file's name (or its kept
   * path with `--parents`); '' for a directory, whose contents are copied
   * (or its kept path with `--parents`).
   */
  readonly destRel: string;
  /** With `--parents`, the tree directory `destRel` is relative to; its subdirectories give created parents their metadata. */
  readonly parentsBase: string | undefined;
}

/** The outcome of {@link selectSources}. */
export interface Selection {
  readonly items: readonly SelectedSource[];
  /** The compiled `--exclude` patterns, for the copy. */
  readonly exclude: PatternMatcher | undefined;
  /** sha256 over exactly the selected entries: the cache-key input. */
  readonly checksum: Digest;
}

/** Resolves the sources in `hasher`'s tree and checksums what they select. */
export async function selectSources(hasher: ContextHasher, req: SelectRequest, signal?: AbortSignal): Promise<Selection> {
  const exclude = req.exclude !== undefined && req.exclude.length > 0 ? new PatternMatcher(req.exclude) : undefined;
  const items: SelectedSource[] = [];
  for (const original of req.sources) items.push(...selectOne(hasher.tree, original, req.parents ?? false, exclude));
  const checksum = await hasher.checksum(
    items.map((i) => ({ rel: i.rel, exclude })),
    signal,
  );
  return { items, exclude, checksum };
}

/** The error BuildKit gives for a source that selects nothing. */
export function sourceNotFound(path: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`failed to compute cache key: failed to calculate checksum of ref: ${JSON.stringify(path)}: not found`, { cause });
}

function selectOne(tree: SourceTree, original: string, parents: boolean, exclude: PatternMatcher | undefined): SelectedSource[] {
  const pivotAt = parents ? original.indexOf('/./') : -1;
  const pivot = pivotAt < 0 ? '' : cleanPath(`/${original.slice(0, pivotAt)}`).slice(1);
  const path = cleanPath(`/${original}`).slice(1);
  const segments = path === '' ? [] : path.split('/');
  const fixed = segments.findIndex(hasWildcards);
  const matches = fixed < 0 ? [path] : expand(tree, original, segments, fixed, parents, exclude);
  const base = parents ? resolveIn(tree, pivot, original) : undefined;
  return matches.map((m) => {
    const rel = resolveIn(tree, m, original);
    const kind = tree.entry(rel)?.kind ?? 'file';
    const destRel = parents ? relativeTo(m, pivot) : kind === 'dir' ? '' : (m.split('/').pop() ?? '');
    return { original, rel, kind, destRel, parentsBase: base };
  });
}

/** Resolves `path` in the tree with every symlink followed, or throws the not-found error for `original`. */
function resolveIn(tree: SourceTree, path: string, original: string): string {
  try {
    return tree.resolve(path, true);
  } catch (err) {
    if (err instanceof NotFoundError) throw sourceNotFound(cleanPath(`/${original}`), err);
    throw err;
  }
}

/** The unresolved paths (relative to the tree root) a wildcard source matches, in walk order. */
function expand(
  tree: SourceTree,
  original: string,
  segments: readonly string[],
  fixed: number,
  parents: boolean,
  exclude: PatternMatcher | undefined,
): string[] {
  const prefix = segments.slice(0, fixed).join('/');
  const pattern = segments.slice(fixed).join('/');
  const dir = resolveIn(tree, prefix, original);
  if (tree.entry(dir)?.kind !== 'dir') throw sourceNotFound(cleanPath(`/${original}`));
  const test = parents ? patternTest(pattern) : (sub: string) => matchGlob(pattern, sub);
  const depth = parents ? Infinity : segments.length - fixed;
  const found: string[] = [];
  const visit = (rel: string, sub: string, level: number): void => {
    for (const name of tree.children(rel)) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childSub = sub === '' ? name : `${sub}/${name}`;
      if (test(childSub)) {
        if (exclude?.matchesOrParentMatches(childSub) !== true) found.push(prefix === '' ? childSub : `${prefix}/${childSub}`);
      } else if (level + 1 < depth && tree.entry(childRel)?.kind === 'dir') visit(childRel, childSub, level + 1);
    }
  };
  visit(dir, '', 0);
  if (found.length === 0) throw sourceNotFound(cleanPath(`/${original}`));
  return found;
}

/** `--parents` wildcards are include patterns (patternmatcher syntax, so `**` spans directories). */
function patternTest(pattern: string): (sub: string) => boolean {
  const m = new PatternMatcher([pattern]);
  return (sub) => m.matchesExact(sub);
}

function relativeTo(path: string, base: string): string {
  if (base === '') return path;
  if (path === base) return '';
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1) : path;
}
