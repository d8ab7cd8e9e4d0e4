/**
 * Dockerfile → plan → solver graph → solve (cached) → the image's config and
 * manifest in the content store (naming it is outputs.ts's). A failure points
 * at its Dockerfile lines.
 */
import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { Range } from '../../parser/runtime.js';
import { planBuild, type BuildPlan, type PlannedStage, type Step } from '../plan/index.js';
import { Solver, VertexError, type Edge, type Solved } from '../../solver/index.js';
import { hostPlatform, writeImage, type Descriptor, type ImageRecord, type Platform } from '../../store/index.js';
import { exportCache, importCache } from '../../remotecache/index.js';
import { findError, NotFoundError } from '../../util/errors.js';
import { asNoSpace, isNoSpace, whileWriting } from '../../util/no-space.js';
import { BuildStepError } from './errors.js';
import { stageImage } from './export.js';
import { buildGraph } from './graph.js';
import { parseCached } from './parse-cache.js';
import type { BuildRequest } from './request.js';
import { EMPTY_ROOTFS, stepInput, type StepResult } from './result.js';
import type { BuildProgress } from './progress.js';
import type { BuildScope } from './scope.js';
import type { Worker } from './worker.js';

/** Step results loaded at once for the export. */
const LOADS_AT_ONCE = 16;

/** A solved build: the image (written, not named), its id, the target's rootfs and the plan. */
export interface Solution {
  readonly plan: BuildPlan;
  readonly manifest: Descriptor;
  readonly imageId: string;
  /** The target's final result (its snapshot is undefined for an empty rootfs). */
  readonly rootfs: StepResult;
}

/** Plans `request` (parse, stages, ARGs, base images, pulled when missing) without running anything. */
export async function plan(request: BuildRequest, worker: Worker, signal?: AbortSignal): Promise<BuildPlan> {
  const { df, stages } = await parseCached(worker.layout.parseCache, request.dockerfile);
  return planBuild({
    df,
    stages,
    filename: request.dockerfile.filename,
    buildArgs: request.buildArgs,
    env: request.env,
    target: request.target,
    platform: request.platform ?? hostPlatform(),
    labels: request.labels,
    resolveImage: async (ref, platform) => {
      const image = request.pull === true ? await pullImage(worker, ref, platform, signal) : await worker.images.get(ref).catch(async (err: unknown) => {
        if (findError(err, NotFoundError) === undefined) throw err;
        return pullImage(worker, ref, platform, signal);
      });
      // Recorded as used: a concurrent `kiln prune --all` keeps the base's data while this build reads it.
      if (!(await worker.content.has(image.manifest.digest))) throw new NotFoundError(`image ${ref}: its manifest ${image.manifest.digest} is gone; pull or build it again`);
      return { ref: image.names[0] ?? image.id, config: await worker.images.config(image) };
    },
  });
}

/** Pulls a base image that is not in the local store (or `--pull`); the registry client is loaded only then. */
async function pullImage(worker: Worker, ref: string, platform: Platform, signal: AbortSignal | undefined): Promise<ImageRecord> {
  const { pull } = await import('../../registry/index.js');
  const r = await pull(worker.images, ref, { ...worker.registry, platform, ...(signal === undefined ? {} : { signal }) });
  return r.image;
}

/** Solves the scope's request and writes its image; exports the build cache it asks for. */
export async function solve(scope: BuildScope, progress: BuildProgress, signal: AbortSignal | undefined): Promise<Solution> {
  const { worker, request } = scope;
  const root = worker.layout.root;
  const p = await plan(request, worker, signal);
  const graph = buildGraph(scope, p);
  const target = graph.stageEdges.get(p.target);
  const targetStage = p.stages.find((s) => s.index === p.target);
  if (target === undefined || targetStage === undefined) throw new Error('internal: target stage not in the graph');
  const sig = signal === undefined ? {} : { signal };
  const cacheOptions = {
    ...sig,
    ...(worker.registry === undefined ? {} : { registry: worker.registry }),
    onWarning: (message: string) => progress.write({ type: 'build.warning', message, time: Date.now() }),
  };
  if (!request.noCache) for (const spec of request.cacheFrom ?? []) await whileWriting(root, 'importing the build cache', () => importCache(worker, spec, worker.cacheIndex, cacheOptions));
  const solver = new Solver({ cache: worker.cacheIndex, progress, ...(request.maxParallelism === undefined ? {} : { concurrency: request.maxParallelism }) });
  try {
    const solveOptions = { noCache: request.noCache, ...sig };
    let solved: Solved;
    let results: Map<Step, StepResult>;
    try {
      solved = await solver.solve(target, solveOptions);
      results = await stepResults(solver, graph.stepEdges, stagesOf(p, targetStage), solveOptions);
    } catch (err) {
      throw locate(err, graph.ranges, request.dockerfile.filename, root);
    }
    const rootfs = stepInput(solved.result) ?? EMPTY_ROOTFS;
    const manifest = await whileWriting(root, 'writing the image', async () => {
      const image = await stageImage(scope, p, targetStage, results);
      return writeImage(worker.content, image.config, image.layers);
    });
    for (const spec of request.cacheTo ?? []) await exportCache(worker, spec, { records: solved.records, top: rootfs.snapshot }, cacheOptions);
    const imageId = (await worker.images.manifest(manifest)).config.digest;
    return { plan: p, manifest, imageId, rootfs };
  } finally {
    await solver.close().catch(() => undefined);
    await scope.saveContextCache().catch(() => undefined);
  }
}

/** `stage` and the stages it is built on (`FROM <stage>`), whose steps its image holds. */
function stagesOf(p: BuildPlan, stage: PlannedStage): PlannedStage[] {
  const out = [stage];
  for (let s = stage; s.base.kind === 'stage'; ) {
    const index = s.base.index;
    const parent = p.stages.find((x) => x.index === index);
    if (parent === undefined) throw new Error(`internal: stage ${index} not planned`);
    out.push((s = parent));
  }
  return out;
}

/**
 * The result of every executed step of `stages`, for the export. The solve
 * of the target reached them all: a step it built is held by the solver, one
 * it found cached is loaded from its record (ancestors of a cache hit are not
 * loaded by the hit itself). Loaded a few at a time, so reuses arriving
 * together share one turn at the lease lock.
 */
async function stepResults(solver: Solver, edges: ReadonlyMap<Step, Edge>, stages: readonly PlannedStage[], options: { noCache: boolean; signal?: AbortSignal }): Promise<Map<Step, StepResult>> {
  const steps = stages.flatMap((s) => s.steps).filter((s) => s.kind !== 'config');
  const queue = new PQueue({ concurrency: LOADS_AT_ONCE });
  // One listener on the caller's signal for all the loads; each solve listens to this one.
  const loads = new AbortController();
  setMaxListeners(LOADS_AT_ONCE + 1, loads.signal);
  const stop = (): void => loads.abort(options.signal?.reason);
  if (options.signal?.aborted === true) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const solved = await Promise.all(
      steps.map((step) =>
        queue.add(async () => {
          const edge = edges.get(step);
          if (edge === undefined) throw new Error(`internal: ${step.kind} step has no edge`);
          const r = stepInput((await solver.solve(edge, { noCache: options.noCache, signal: loads.signal })).result) ?? EMPTY_ROOTFS;
          return [step, r] as const;
        }, { throwOnTimeout: true }),
      ),
    );
    return new Map(solved);
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
}

/**
 * Turns a failed vertex into an error at its Dockerfile lines (BuildKit's
 * `failed to solve: ...`); a full disk is one line saying what was being done
 * instead, since the fix is freeing space, not changing the Dockerfile.
 */
function locate(err: unknown, ranges: ReadonlyMap<string, Range>, filename: string, root: string): unknown {
  const v = findError(err, VertexError);
  if (v === undefined) return err;
  if (isNoSpace(v)) return asNoSpace(v, root, `building ${v.vertex.name}`);
  const range = ranges.get(v.vertex.digest);
  const cause = v.cause instanceof Error ? v.cause.message : v.message;
  if (range === undefined) return err;
  return new BuildStepError(`${filename}:${range.start.line}:${range.start.column}: failed to solve: ${cause}`, filename, range, { cause: err });
}
