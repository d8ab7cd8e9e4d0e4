/**
 * The entries one COPY/ADD source selects: the source itself and, for a
 * directory, everything below it minus `--exclude` matches. Shared by the
 * checksum and the copy so that both see exactly the same set. Exclusion
 * follows fsutil's copier: patterns match paths relative to the source,
 * excluded directories are still walked, and one is kept (emitted just
 * before its first kept descendant) when an exception re-includes something
 * inside it.
 */
import type { MatchInfo, PatternMatcher } from './patternmatcher.js';
import type { SourceTree, TreeEntry } from './tree.js';

/** One selected entry. */
export interface WalkItem {
  readonly entry: TreeEntry;
  /** Path below the source ('' for the source itself). */
  readonly sub: string;
}

/**
 * Yields the source at `rel` (symlinks in it already resolved) and, when it
 * is a directory, its kept descendants in pre-order, names sorted.
 * `excludeBase` is the source's own path below the directory the patterns
 * are relative to (`--parents`: the kept path below its base), '' when they
 * are relative to the source.
 */
export function* walkSelected(tree: SourceTree, rel: string, exclude: PatternMatcher | undefined, excludeBase = ''): Generator<WalkItem> {
  const entry = tree.entry(rel);
  if (entry === undefined) return;
  yield { entry, sub: '' };
  if (entry.kind === 'dir') yield* walkDir(tree, rel, '', undefined, [], exclude === undefined ? undefined : { matcher: exclude, base: excludeBase });
}

interface Exclude {
  readonly matcher: PatternMatcher;
  readonly base: string;
}

function* walkDir(
  tree: SourceTree,
  dirRel: string,
  dirSub: string,
  info: MatchInfo | undefined,
  pending: WalkItem[],
  exclude: Exclude | undefined,
): Generator<WalkItem> {
  for (const name of tree.children(dirRel)) {
    const rel = dirRel === '' ? name : `${dirRel}/${name}`;
    const sub = dirSub === '' ? name : `${dirSub}/${name}`;
    const entry = tree.entry(rel);
    if (entry === undefined) continue;
    const match = exclude?.matcher.matchesUsingParentResults(exclude.base === '' ? sub : `${exclude.base}/${sub}`, info);
    const excluded = match?.matched ?? false;
    const item = { entry, sub };
    if (!excluded) {
      yield* pending.splice(0);
      yield item;
    }
    if (entry.kind !== 'dir') continue;
    if (excluded) pending.push(item);
    yield* walkDir(tree, rel, sub, match?.info, pending, exclude);
    if (excluded && pending[pending.length - 1] === item) pending.pop();
  }
}
