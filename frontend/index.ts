/**
 * Dockerfile semantics and the builder (DESIGN.md): the planner (plan/), the
 * build context (context/) and the builder (builder/) behind one face,
 * `build(request, worker, {signal, progress})`. A second, start-up-light face,
 * options.ts, holds what the CLI needs to parse build flags.
 */
export * from './builder/index.js';
export { archiveCompression, extractArchive, cloneGit, isGitContext, parseGitRef } from './context/index.js';
