/**
 * Dockerfile → plan → solver graph → solve (cached) → the image's config and
 * manifest in the content store (naming it is outputs.ts's). A failure points
 * at its Dockerfile lines.
 */
import type { Range } from '../../parser/runtime.js';
import { namedContextOf, planBuild, type BuildPlan, type PlannedStage, type Step } from '../plan/index.js';
import { Solver, VertexError, type Edge, type Solved } from '../../solver/index.js';
import { hostPlatform, normalizeName, writeImage, type Descriptor, type ImageRecord, type Platform } from '../../store/index.js';
import { FailedPreconditionError, findError, NotFoundError } from '../../util/errors.js';
import { asNoSpace, isNoSpace, whileWriting } from '../../util/no-space.js';
import { BuildStepError } from './errors.js';
import { stageImage } from './export.js';
import { buildGraph } from './graph.js';
import { noCacheStages } from './no-cache-filter.js';
import { resolveNamedContext } from './named-context.js';
import { parseCached } from './parse-cache.js';
import type { BuildRequest } from './request.js';
import { committedInfo, EMPTY_ROOTFS, resultOf, stepInput, type StepResult } from './result.js';
import type { Snapshotter } from '../../cache/index.js';
import type { BuildProgress } from './progress.js';
import type { BuildScope } from './scope.js';
import type { Worker } from './worker.js';

/** A solved build: the image (written, not named), its id, the target's rootfs and the plan. */
export interface Solution {
  readonly plan: BuildPlan;
  readonly manifest: Descriptor;
  readonly imageId: string;
  /** The target's final result (its snapshot is undefined for an empty rootfs). */
  readonly rootfs: StepResult;
  /** The result of every executed step of the target's stage and the stages it is built on (for provenance). */
  readonly steps: ReadonlyMap<Step, StepResult>;
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
    contexts: request.contexts,
    resolveImage: async (ref, platform) => {
      const context = namedContextOf(ref);
      if (context !== undefined) return resolveNamedContext(worker, request, context, platform, signal);
      const image = request.pull === true ? await pullImage(worker, ref, platform, signal) : await worker.images.get(ref).catch(async (err: unknown) => {
        if (findError(err, NotFoundError) === undefined) throw err;
        return pullImage(worker, ref, platform, signal);
      });
      // Recorded as used: a concurrent `kiln prune --all` keeps the base's data while this build reads it.
      if (!(await worker.content.has(image.manifest.digest))) throw new NotFoundError(`image ${ref}: its manifest ${image.manifest.digest} is gone; pull or build it again`);
      // The name FROM used when the image has it (provenance names that material), else its first name.
      const named = tryNormalize(ref);
      return { ref: named !== undefined && image.names.includes(named) ? named : image.names[0] ?? image.id, config: await worker.images.config(image) };
    },
  });
}

function tryNormalize(ref: string): string | undefined {
  try {
    return normalizeName(ref);
  } catch {
    return undefined;
  }
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
  const filter = request.noCacheFilter ?? [];
  const graph = buildGraph(scope, p, filter.length === 0 ? new Set() : noCacheStages(p, filter, (await parseCached(worker.layout.parseCache, request.dockerfile)).stages.stages.map((s) => s.name)));
  const target = graph.stageEdges.get(p.target);
  const targetStage = p.stages.find((s) => s.index === p.target);
  if (target === undefined || targetStage === undefined) throw new Error('internal: target stage not in the graph');
  const sig = signal === undefined ? {} : { signal };
  const cacheOptions = {
    ...sig,
    ...(worker.registry === undefined ? {} : { registry: worker.registry }),
    onWarning: (message: string) => progress.write({ type: 'build.warning', message, time: Date.now() }),
  };
  // The build cache's import/export (and the registry client behind it) is loaded only when asked for.
  const remote = (request.cacheFrom ?? []).length + (request.cacheTo ?? []).length > 0 ? await import('../../remotecache/index.js') : undefined;
  if (remote !== undefined && !request.noCache) for (const spec of request.cacheFrom ?? []) await whileWriting(root, 'importing the build cache', () => remote.importCache(worker, spec, worker.cacheIndex, cacheOptions));
  const solver = new Solver({ cache: worker.cacheIndex, progress, ...(request.maxParallelism === undefined ? {} : { concurrency: request.maxParallelism }) });
  try {
    const solveOptions = { noCache: request.noCache, ...sig };
    let solved: Solved;
    try {
      solved = await solver.solve(target, solveOptions);
    } catch (err) {
      throw locate(err, graph.ranges, request.dockerfile.filename, root);
    }
    const rootfs = stepInput(solved.result) ?? EMPTY_ROOTFS;
    const results = await stepResults(solved, worker.snapshotter, graph.stepEdges, stagesOf(p, targetStage), rootfs);
    const manifest = await whileWriting(root, 'writing the image', async () => {
      const image = await stageImage(scope, p, targetStage, results);
      return writeImage(worker.content, image.config, image.layers, request.annotations);
    });
    if (remote !== undefined) for (const spec of request.cacheTo ?? []) await remote.exportCache(worker, spec, { records: solved.records, top: rootfs.snapshot }, cacheOptions);
    const imageId = (await worker.images.manifest(manifest)).config.digest;
    return { plan: p, manifest, imageId, rootfs, steps: results };
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
 * The result of every executed step of `stages` (the target's stage and the
 * stages it is built on), for the export, read from the solve: each step
 * edge's result id, built or named by its cache record (the ancestors of a
 * cache hit are not loaded). Each is checked against the top's own lineage
 * (a step's result is its successor's parent): a record rewritten since the
 * top was built (a later `--no-cache` build of a shared step) names another
 * snapshot, and the lineage wins. Ancestors of the top are protected by the
 * top's recorded use, so they are read without another one.
 */
async function stepResults(solved: Solved, sn: Snapshotter, edges: ReadonlyMap<Step, Edge>, stages: readonly PlannedStage[], top: StepResult): Promise<Map<Step, StepResult>> {
  const newestFirst = stages.flatMap((s) => s.steps.filter((step) => step.kind !== 'config').reverse());
  const out = new Map<Step, StepResult>();
  let expected: string | undefined = top.snapshot;
  for (const step of newestFirst) {
    const edge = edges.get(step);
    if (edge === undefined) throw new Error(`internal: ${step.kind} step has no edge`);
    if (expected === undefined) throw new Error(`internal: ${step.kind} step without a snapshot`);
    const recorded = solved.resultId(edge);
    let r = recorded === undefined ? undefined : await committedInfo(sn, recorded);
    if (r?.key !== expected) r = await committedInfo(sn, expected);
    if (r === undefined) throw new FailedPreconditionError(`build step snapshot ${expected} is gone; build again`);
    const result = resultOf(r);
    out.set(step, result);
    expected = result.parent;
  }
  return out;
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
