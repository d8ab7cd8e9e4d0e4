/**
 * frontend/context: COPY and ADD sources. `.dockerignore`, the source tree
 * and its content checksums (the cache-key input), Docker's source and
 * destination rules, and the host-side copy into a rootfs that never
 * follows a symlink out of it.
 *
 * Typical use for `COPY --chown=app src/ /app/`:
 * ```ts
 * const ignore = ignoreMatcher(await readDockerignore(contextDir, dockerfilePath));
 * const hasher = await ContextHasher.open({ root: contextDir, xxhash, ignore, resetOwner: true, cacheDir });
 * const sel = await selectSources(hasher, { sources: ['src/'] });   // sel.checksum → cache key
 * await copySelection(hasher.tree, sel, { rootfs, dest: '/app/', chown: 'app' });
 * await hasher.save();
 * ```
 */
export { parseDockerignore, readDockerignore, ignoreMatcher, type IgnoreFile } from './dockerignore.js';
export { PatternMatcher, Pattern, type MatchInfo } from './patternmatcher.js';
export { cleanPath, matchGlob, hasWildcards } from './go-path.js';
export { SourceTree, type SourceTreeOptions, type TreeEntry, type EntryKind } from './tree.js';
export { ContextHasher, type ContextHasherOptions, type ChecksumSource, type ReadCounters } from './hash.js';
export { selectSources, sourceNotFound, type SelectRequest, type SelectedSource, type Selection } from './select.js';
export { copySelection, type CopyOptions, type CopyResult } from './copy.js';
export { parseDestination, type Destination } from './dest.js';
export { resolveChown, parseChmod, type Owner, type ModeFn } from './owner.js';
export { archiveCompression, extractArchive, type Compression } from './archive.js';
export { cloneGit, isGitContext, parseGitRef, resolveGitCommit, type GitRef } from './git.js';
export { addUrl, isRemoteUrl, isGitUrl, fileName, type AddUrlOptions, type AddUrlResult } from './remote.js';
