/**
 * The Dockerfile builder: plan → graph → solve → image → outputs. Its face is
 * `build(request, worker, {signal, progress})`; `plan()` is `--dry-run`.
 */
export { build, type BuildOptions } from './build.js';
export { plan } from './solve.js';
export type { Worker } from './worker.js';
export { STDOUT_DEST, type AttestRequest, type BuildOutcome, type BuildOutput, type BuildRequest, type RunExtras } from './request.js';
export type { NamedContext, NamedContexts } from '../plan/index.js';
export type {
  BuildEvent,
  BuildProgress,
  BuildProgressEvent,
  BuildStepCanceledEvent,
  BuildStepCompletedEvent,
  BuildStepErrorEvent,
  BuildStepStartedEvent,
  BuildStepStatusEvent,
  BuildWarningEvent,
} from './progress.js';
export { loadStepResult } from './result.js';
export { BuildStepError, ExitError } from './errors.js';
