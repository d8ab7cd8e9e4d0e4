/**
 * Dockerfile semantics and the builder (DESIGN.md): the planner (plan/), the
 * build context (context/) and the builder (builder/) behind one face.
 */
export * from './builder/index.js';
export { ContextHasher, ignoreMatcher, readDockerignore, archiveCompression, extractArchive, cloneGit, isGitContext, parseGitRef } from './context/index.js';
