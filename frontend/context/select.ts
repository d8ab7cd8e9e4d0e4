/**
 * Docker's COPY/ADD source rules against a source tree (the build context or
 * another stage's rootfs), as current BuildKit applies them
 * (https://docs.docker.com/reference/dockerfile/#copy; BuildKit's
 * `dispatchCopy` and fsutil's copier):
 *
 * - A source is cleaned against `/`, so `../x` is `x` at the tree's root:
 *   nothing outside the tree can be named.
 * - Symlinks in a source path, the last component included, are resolved
 *   inside the tree (BuildKit's FollowSymlinks for COPY sources).
 * - Wildcards use Go's filepath.Match per path segment; a match that is a
 *   directory is not searched further.
 * - A directory source copies its contents; a file keeps its name.
 * - A wildcard that matches nothing selects nothing (BuildKit's
 *   AllowEmptyWildcard); a plain path that does not exist is an error
 *   naming it, as BuildKit says:
 *   `failed to compute cache key: ...: "/x": not found`.
 * - `--exclude` patterns apply to paths below each source and to the path
 *   of each wildcard match below the wildcard's fixed prefix (the Dockerfile
 *   reference's `COPY --exclude=*.txt hom* /mydir/`); a source they empty
 *   selects nothing.
 * - `--parents` splits a source at its first `/./`: the part before it (the
 *   whole tree when there is none) names the directories to copy from, and
 *   may hold wildcards; the part after it is an include pattern (`**` spans
 *   directories) whose matches keep their path below the destination. A
 *   path is required to exist only when neither part has a wildcard.
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
  /**
   * A `--parents` source named a directory: the destination directory is
   * made even when its pattern selects nothing (BuildKit copies that
   * directory with include patterns, which creates the destination).
   */
  readonly makesDest: boolean;
  /** sha256 over exactly the selected entries: the cache-key input. */
  readonly checksum: Digest;
}

/** Resolves the sources in `hasher`'s tree and checksums what they select. */
export async function selectSources(hasher: ContextHasher, req: SelectRequest, signal?: AbortSignal): Promise<Selection> {
  const exclude = req.exclude !== undefined && req.exclude.length > 0 ? new PatternMatcher(req.exclude) : undefined;
  const items: SelectedSource[] = [];
  let makesDest = false;
  for (const original of req.sources) {
    if (req.parents === true) {
      const one = selectParents(hasher.tree, original, exclude);
      items.push(...one.items);
      makesDest ||= one.makesDest;
    } else {
      items.push(...selectPlain(hasher.tree, original, exclude));
    }
  }
  const checksum = await hasher.checksum(
    items.map((i) => ({ rel: i.rel, exclude, excludeBase: excludeBase(i) })),
    signal,
  );
  return { items, exclude, makesDest, checksum };
}

/** The path `--exclude` patterns see for an item's own entry: `--parents` ones are relative to the item's base directory, as in fsutil's copier. */
export function excludeBase(item: SelectedSource): string {
  return item.parentsBase === undefined ? '' : item.destRel;
}

/** The error BuildKit gives for a source that selects nothing. */
export function sourceNotFound(path: string, cause?: unknown): NotFoundError {
  return new NotFoundError(`failed to compute cache key: failed to calculate checksum of ref: ${JSON.stringify(path)}: not found`, { cause });
}

/** A source without `--parents`: a path, or a wildcard's matches (none is fine). */
function selectPlain(tree: SourceTree, original: string, exclude: PatternMatcher | undefined): SelectedSource[] {
  const path = cleanPath(`/${original}`).slice(1);
  const matches = hasWildcards(path) ? expand(tree, path, exclude) : [path];
  return matches.map((m) => {
    const rel = resolveIn(tree, m, original);
    const kind = tree.entry(rel)?.kind ?? 'file';
    return { original, rel, kind, destRel: kind === 'dir' ? '' : baseName(m), parentsBase: undefined };
  });
}

/** A `--parents` source: see the file comment. */
function selectParents(tree: SourceTree, original: string, exclude: PatternMatcher | undefined): { items: SelectedSource[]; makesDest: boolean } {
  const at = original.indexOf('/./');
  const from = cleanPath(`/${at < 0 ? '' : original.slice(0, at)}`).slice(1);
  const pattern = cleanPath(`/${at < 0 ? original : original.slice(at + 3)}`).slice(1);
  const wild = hasWildcards(from) || hasWildcards(pattern);
  if (!wild) resolveIn(tree, from === '' ? pattern : pattern === '' ? from : `${from}/${pattern}`, original);
  const bases = hasWildcards(from) ? expand(tree, from, undefined) : [from];
  const items: SelectedSource[] = [];
  let makesDest = false;
  for (const base of bases) {
    const baseRel = resolveIn(tree, base, original);
    const kind = tree.entry(baseRel)?.kind ?? 'file';
    if (kind !== 'dir' || pattern === '') {
      // A file is copied under its own name, a directory without a pattern as a whole (no path kept).
      items.push({ original, rel: baseRel, kind, destRel: kind === 'dir' ? '' : baseName(base), parentsBase: undefined });
      continue;
    }
    makesDest = true;
    for (const sub of included(tree, baseRel, pattern, exclude)) {
      const rel = baseRel === '' ? sub : `${baseRel}/${sub}`;
      items.push({ original, rel, kind: tree.entry(rel)?.kind ?? 'file', destRel: sub, parentsBase: baseRel });
    }
  }
  return { items, makesDest };
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

/**
 * The unresolved paths (relative to the tree root) a wildcard path matches,
 * in walk order, minus `exclude` matches; none when its fixed prefix is
 * missing or not a directory (BuildKit's ResolveWildcards finds nothing there).
 */
function expand(tree: SourceTree, path: string, exclude: PatternMatcher | undefined): string[] {
  const segments = path.split('/');
  const fixed = segments.findIndex(hasWildcards);
  const prefix = segments.slice(0, fixed).join('/');
  const pattern = segments.slice(fixed).join('/');
  let dir: string;
  try {
    dir = tree.resolve(prefix, true);
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
  if (tree.entry(dir)?.kind !== 'dir') return [];
  const depth = segments.length - fixed;
  const found: string[] = [];
  const visit = (rel: string, sub: string, level: number): void => {
    for (const name of tree.children(rel)) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childSub = sub === '' ? name : `${sub}/${name}`;
      if (matchGlob(pattern, childSub)) {
        if (exclude?.matchesOrParentMatches(childSub) !== true) found.push(prefix === '' ? childSub : `${prefix}/${childSub}`);
      } else if (level + 1 < depth && tree.entry(childRel)?.kind === 'dir') visit(childRel, childSub, level + 1);
    }
  };
  visit(dir, '', 0);
  return found;
}

/**
 * The paths below directory `rel` that the `--parents` include pattern
 * selects, in walk order: a match is taken whole (a directory with all its
 * contents), a directory that does not match is searched further; `exclude`
 * drops matches. Entries are not followed through symlinks.
 */
function included(tree: SourceTree, rel: string, pattern: string, exclude: PatternMatcher | undefined): string[] {
  const include = new PatternMatcher([pattern]);
  const mayMatchBelow = prefixTest(pattern);
  const found: string[] = [];
  const visit = (dirRel: string, sub: string): void => {
    for (const name of tree.children(dirRel)) {
      const childRel = dirRel === '' ? name : `${dirRel}/${name}`;
      const childSub = sub === '' ? name : `${sub}/${name}`;
      if (include.matchesExact(childSub)) {
        if (exclude?.matchesOrParentMatches(childSub) !== true) found.push(childSub);
      } else if (tree.entry(childRel)?.kind === 'dir' && mayMatchBelow(childSub)) visit(childRel, childSub);
    }
  };
  visit(rel, '');
  return found;
}

/**
 * Whether something below directory `sub` can match `pattern`: each of its
 * segments matches the pattern's segment at that depth, until one holding
 * `**` (which may span any depth). Only prunes the walk; never decides a match.
 */
function prefixTest(pattern: string): (sub: string) => boolean {
  const segments = pattern.split('/');
  return (sub) => {
    const parts = sub.split('/');
    for (let i = 0; i < parts.length; i++) {
      const seg = segments[i];
      if (seg === undefined) return false;
      if (seg.includes('**')) return true;
      if (i === segments.length - 1) return false; // the last segment names what is copied, not a directory to enter
      if (!matchGlob(seg, parts[i] ?? '')) return false;
    }
    return true;
  };
}

function baseName(path: string): string {
  return path.split('/').pop() ?? '';
}
