/**
 * `build(request, worker, {signal, progress})`: the frontend's face
 * (DESIGN.md). Plans the Dockerfile, solves it on the worker (cached), writes
 * the image, names it, writes the other outputs and pushes. Nothing is named
 * unless every step succeeded; a failure points at its Dockerfile lines.
 * Everything it does is reported to `progress`; it never prints.
 */
import { normalizeName } from '../../store/index.js';
import { InvalidArgumentError, NotImplementedError } from '../../util/errors.js';
import { exportOutputs } from './outputs.js';
import type { BuildProgress } from './progress.js';
import type { BuildOutcome, BuildRequest } from './request.js';
import { buildScope } from './scope.js';
import { solve } from './solve.js';
import type { Worker } from './worker.js';

/** Options of {@link build}. */
export interface BuildOptions {
  /** Aborting it cancels the build: running containers are killed, nothing is named. */
  readonly signal?: AbortSignal;
  /** Where the build's events go. @default discarded */
  readonly progress?: BuildProgress;
}

const discard: BuildProgress = { write: () => {} };

/**
 * Attestations go with an image (stored, pushed, or in an oci/docker archive);
 * BuildKit's attestation files beside a `local` or `tar` rootfs are not done.
 */
function checkAttestOutputs(request: BuildRequest): void {
  const a = request.attest;
  if (a === undefined || (a.provenance === undefined && a.sbom !== true)) return;
  const files = (request.outputs ?? []).find((o) => o.type === 'local' || o.type === 'tar');
  if (files !== undefined) throw new NotImplementedError(`--provenance/--sbom with -o type=${files.type} (attestation files beside the rootfs; kiln attaches attestations to images only)`);
}

/** Builds `request` on `worker`. */
export async function build(request: BuildRequest, worker: Worker, options: BuildOptions = {}): Promise<BuildOutcome> {
  const progress = options.progress ?? discard;
  const tags = (request.tags ?? []).map(normalizeName);
  if (request.push === true && tags.length === 0) throw new InvalidArgumentError('--push needs at least one -t NAME to push to');
  if ((request.cacheTo ?? []).length > 0) (await import('../../remotecache/index.js')).checkCacheTo(request.cacheTo ?? []);
  checkAttestOutputs(request);
  const t = Date.now();
  const startedOn = new Date(t);
  progress.write({ type: 'build.step.started', step: 'def', name: `[internal] load build definition from ${request.dockerfile.filename}`, time: t });
  progress.write({ type: 'build.step.completed', step: 'def', time: t, durationMs: 0 });
  const scope = buildScope(worker, request);
  const solution = await solve(scope, progress, options.signal);
  const finishedOn = new Date();
  for (const w of solution.plan.warnings) progress.write({ type: 'build.warning', message: w.message, time: Date.now() });
  return exportOutputs(scope, solution, tags, progress, options.signal, { startedOn, finishedOn });
}
