/**
 * `kiln build`: Dockerfile → plan → solver graph → solve (cached) → image.
 * Nothing is tagged unless every step succeeded; a failure points at its
 * Dockerfile lines.
 */
import type { Range } from '../../parser/runtime.js';
import { parseCached } from './parse-cache.js';
import { isCommitted } from '../../cache/index.js';
import { planBuild, type BuildPlan, type NamedContexts } from '../plan/index.js';
import { JsonFileCacheStore, Solver, VertexError, type ProgressWriter, type Result, type Solved } from '../../solver/index.js';
import { hostPlatform, writeImage, type Descriptor } from '../../store/index.js';
import { checkCacheTo, exportCache, importCache, type CacheFromSpec, type CacheToSpec } from '../../remotecache/index.js';
import { findError, KilnError, NotFoundError } from '../../util/errors.js';
import { asNoSpace, isNoSpace, whileWriting } from '../../util/no-space.js';
import { SnapshotResult, type BuildEnv } from './env.js';
import { stageImage } from './export.js';
import { buildGraph } from './graph.js';
import { noCacheStages } from './no-cache-filter.js';

/** What to build. */
export interface BuildRequest {
  readonly dockerfile: { readonly filename: string; readonly text: string };
  readonly buildArgs: Readonly<Record<string, string | undefined>>;
  readonly target?: string | undefined;
  readonly labels?: Readonly<Record<string, string>>;
  readonly noCache: boolean;
  readonly platform?: { os: string; architecture: string; variant?: string };
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--cache-from`: cache images imported before solving (ignored with noCache). */
  readonly cacheFrom?: readonly CacheFromSpec[];
  /** `--cache-to`: cache images written after a successful solve. */
  readonly cacheTo?: readonly CacheToSpec[];
  /** `--pull`: check registries for a newer base image even when one is stored. */
  readonly pull?: boolean;
  /** How many steps may run at once. @default the CPU count */
  readonly maxParallelism?: number;
  /** `--build-context NAME=docker-image://REF|target:STAGE`: what FROM NAME and `--from=NAME` read instead. */
  readonly contexts?: NamedContexts;
  /** `--annotation`: added to the image manifest. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `--no-cache-filter`: stages (by name or index) whose steps ignore the cache. */
  readonly noCacheFilter?: readonly string[];
}

/** What a build produced: the image (config + manifest, not yet named) and its plan. */
export interface BuildOutcome {
  readonly plan: BuildPlan;
  readonly manifest: Descriptor;
  readonly imageId: string;
  /** The target's final snapshot (undefined for an empty rootfs). */
  readonly rootfs: string | undefined;
}

/** A build step failed: the step's error, located at its Dockerfile lines. */
export class BuildStepError extends KilnError {
  readonly code = 'VERTEX';
  readonly filename: string;
  readonly range: Range;
  constructor(message: string, filename: string, range: Range, options?: { cause?: unknown }) {
    super(message, options);
    this.filename = filename;
    this.range = range;
  }
}

/** Plans `req` (parse, stages, ARGs, base images) without running anything. */
export async function plan(env: BuildEnv, req: BuildRequest): Promise<BuildPlan> {
  const { df, stages } = await parseCached(env.layout.parseCache, req.dockerfile);
  return planBuild({
    df,
    stages,
    filename: req.dockerfile.filename,
    buildArgs: req.buildArgs,
    env: req.env,
    target: req.target,
    platform: req.platform ?? hostPlatform(),
    labels: req.labels,
    contexts: req.contexts,
    resolveImage: async (ref, platform) => {
      const image = req.pull === true ? await pullImage(env, ref, platform) : await env.images.get(ref).catch(async (err: unknown) => {
        if (findError(err, NotFoundError) === undefined) throw err;
        return pullImage(env, ref, platform);
      });
      // Recorded as used: a concurrent `kiln prune --all` keeps the base's data while this build reads it.
      if (!(await env.content.has(image.manifest.digest))) throw new NotFoundError(`image ${ref}: its manifest ${image.manifest.digest} is gone; pull or build it again`);
      return { ref: image.names[0] ?? image.id, config: await env.images.config(image) };
    },
  });
}

/** Pulls a base image that is not in the local store (or `--pull`). */
async function pullImage(env: BuildEnv, ref: string, platform: { os: string; architecture: string; variant?: string }): Promise<Awaited<ReturnType<typeof env.images.get>>> {
  const { pull } = await import('../../registry/index.js');
  const r = await pull(env.images, ref, { platform });
  return r.image;
}

/** Runs the build and writes the image's config and manifest (naming is the caller's). */
export async function build(
  env: BuildEnv,
  req: BuildRequest,
  options: { progress: ProgressWriter; signal?: AbortSignal; onWarning?: (message: string) => void },
): Promise<BuildOutcome> {
  const p = await plan(env, req);
  const filter = req.noCacheFilter ?? [];
  const graph = buildGraph(env, p, filter.length === 0 ? new Set() : noCacheStages(p, filter, (await parseCached(env.layout.parseCache, req.dockerfile)).stages.stages.map((s) => s.name)));
  const target = graph.stageEdges.get(p.target);
  const targetStage = p.stages.find((s) => s.index === p.target);
  if (target === undefined || targetStage === undefined) throw new Error('internal: target stage not in the graph');
  const steps = new JsonFileCacheStore(env.layout.stepCache, (id) => loadResult(env, id));
  const sig = options.signal === undefined ? {} : { signal: options.signal };
  checkCacheTo(req.cacheTo ?? []);
  const warn = options.onWarning === undefined ? {} : { onWarning: options.onWarning };
  if (!req.noCache) for (const spec of req.cacheFrom ?? []) await whileWriting(env.layout.root, 'importing the build cache', () => importCache(env, spec, steps, { ...sig, ...warn }));
  const solver = new Solver({ cache: steps, progress: options.progress, ...(req.maxParallelism === undefined ? {} : { concurrency: req.maxParallelism }) });
  try {
    let solved: Solved;
    try {
      solved = await solver.solve(target, { noCache: req.noCache, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    } catch (err) {
      throw locate(err, graph.ranges, req.dockerfile.filename, env.layout.root);
    }
    const rootfs = solved.result.id === '' ? undefined : solved.result.id;
    const manifest = await whileWriting(env.layout.root, 'writing the image', async () => {
      const image = await stageImage(env, p, targetStage, rootfs);
      return writeImage(env.content, image.config, image.layers, req.annotations);
    });
    for (const spec of req.cacheTo ?? []) await exportCache(env, spec, { records: solved.records, top: rootfs }, sig);
    const configDigest = (await env.images.manifest(manifest)).config.digest;
    return { plan: p, manifest, imageId: configDigest, rootfs };
  } finally {
    await solver.close().catch(() => undefined);
    await env.saveContextCache().catch(() => undefined);
  }
}

/** A cache record's result: a committed snapshot that still exists, or the empty rootfs. */
async function loadResult(env: BuildEnv, id: string): Promise<Result | undefined> {
  if (id === '') return new SnapshotResult('');
  return (await isCommitted(env.snapshotter, id)) ? new SnapshotResult(id) : undefined;
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
