/** The Dockerfile builder: plan → graph → solve → image. */
export { build, plan, BuildStepError, type BuildOutcome, type BuildRequest } from './build.js';
export type { NamedContexts } from '../plan/index.js';
export { buildGraph, type BuildGraph } from './graph.js';
export { SnapshotResult, type BuildEnv, type RunExtras } from './env.js';
export { ExitError } from './errors.js';
export { viewOf as viewOfSnapshot } from './views.js';
