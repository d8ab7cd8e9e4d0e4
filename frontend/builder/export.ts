/**
 * The image of a built stage: the base's layers, then one layer per step that
 * changed the rootfs, the planned config with `rootfs.diff_ids` and each
 * history entry's `empty_layer` filled from what actually happened, and
 * `created` from SOURCE_DATE_EPOCH when set (so two clean builds match).
 */
import type { BuildPlan, PlannedStage, Step } from '../plan/index.js';
import { MediaType, type Descriptor, type HistoryEntry, type ImageConfig } from '../../store/index.js';
import type { Digest } from '../../util/digest.js';
import { FailedPreconditionError } from '../../util/errors.js';
import { writeLayer } from './layer-commit.js';
import type { StepResult } from './result.js';
import type { BuildScope } from './scope.js';

/** A stage's exported form. */
export interface StageImage {
  readonly config: ImageConfig;
  readonly layers: readonly Descriptor[];
}

/** The result of every executed step of a stage and of the stages it is built on (graph.ts's `stepEdges`, solved). */
export type StepResults = ReadonlyMap<Step, StepResult>;

/** Builds the image of `stage` from its steps' results. */
export async function stageImage(scope: BuildScope, plan: BuildPlan, stage: PlannedStage, results: StepResults): Promise<StageImage> {
  return assemble(scope, plan, stage, results, timeOf(scope));
}

/**
 * History times: SOURCE_DATE_EPOCH when set, else when each step was first
 * built (its snapshot's commit time), so a fully cached rebuild gives the
 * same image id, as with BuildKit.
 */
type TimeOf = (out: StepResult | undefined) => string | undefined;

function timeOf(scope: BuildScope): TimeOf {
  const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sde = scope.request.sourceDateEpoch;
  if (sde !== undefined) {
    const fixed = iso(sde * 1000);
    return () => fixed;
  }
  return (out) => (out?.createdAt === undefined ? undefined : iso(out.createdAt));
}

/** The result of an executed step; every one was solved before the export. */
function resultFor(results: StepResults, stage: PlannedStage, step: Step): StepResult {
  const out = results.get(step);
  if (out === undefined) throw new Error(`internal: no result for ${step.kind} step of stage ${stage.index}`);
  return out;
}

async function assemble(scope: BuildScope, plan: BuildPlan, stage: PlannedStage, results: StepResults, time: TimeOf): Promise<StageImage> {
  const base = await baseImage(scope, plan, stage, results, time);
  // The stage's own entries are copied before `empty_layer` is set: the plan's entries are shared with stages built on it.
  const history: HistoryEntry[] = [...base.history, ...(stage.config.history ?? []).slice(base.plannedHistory).map((h) => ({ ...h }))];
  const layers: Descriptor[] = [...base.layers];
  const offset = base.history.length - base.plannedHistory;
  // Config-only entries take the time of the step before them (or the stage's first step).
  const first = stage.steps.find((s) => s.kind !== 'config');
  let last: string | undefined = time(first === undefined ? undefined : resultFor(results, stage, first)) ?? base.created;
  const stamps = new Map<number, string>();
  const present = await layersPresent(scope, stage.steps.flatMap((s) => (s.kind === 'config' ? [] : [resultFor(results, stage, s)])));
  for (const step of stage.steps) {
    if (step.kind !== 'config') {
      const out = resultFor(results, stage, step);
      last = time(out) ?? last;
      const layer = await ensureLayer(scope, out, present);
      if (layer !== undefined) layers.push(layer);
      const h = step.historyIndex === null ? undefined : history[step.historyIndex + offset];
      if (h !== undefined && layer === undefined) h.empty_layer = true;
      else if (h !== undefined) delete h.empty_layer;
    }
    if (step.historyIndex !== null && last !== undefined) stamps.set(step.historyIndex + offset, last);
  }
  const created = last ?? time(undefined) ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const [i, h] of history.entries()) {
    if (i < base.history.length) continue;
    const { created_by, comment, empty_layer } = h;
    history[i] = { created: stamps.get(i) ?? created, ...(created_by === undefined ? {} : { created_by }), ...(comment === undefined ? {} : { comment }), ...(empty_layer === true ? { empty_layer } : {}) };
  }
  const config: ImageConfig = {
    ...stage.config,
    created,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    history,
  };
  return { config, layers };
}

interface BaseParts {
  /** The base's creation time, for a stage with no executed step. */
  readonly created: string | undefined;
  readonly layers: readonly Descriptor[];
  readonly history: readonly HistoryEntry[];
  /** How many entries of the stage's planned history are the base's. */
  readonly plannedHistory: number;
}

async function baseImage(scope: BuildScope, plan: BuildPlan, stage: PlannedStage, results: StepResults, time: TimeOf): Promise<BaseParts> {
  const { images } = scope.worker;
  const base = stage.base;
  switch (base.kind) {
    case 'scratch':
      return { created: undefined, layers: [], history: [], plannedHistory: 0 };
    case 'image': {
      const image = await images.get(base.ref);
      const m = await images.manifest(image);
      const cfg = await images.config(image);
      const history = cfg.history ?? [];
      return { created: cfg.created, layers: m.layers.map((l) => ({ mediaType: MediaType.layer, digest: l.digest, size: l.size })), history: history.map((h) => ({ ...h })), plannedHistory: history.length };
    }
    case 'stage': {
      const parent = plan.stages.find((s) => s.index === base.index);
      if (parent === undefined) throw new Error(`internal: stage ${base.index} not planned`);
      const img = await assemble(scope, plan, parent, results, time);
      return { created: img.config.created, layers: img.layers, history: img.config.history ?? [], plannedHistory: parent.config.history?.length ?? 0 };
    }
    default: {
      const never: never = base;
      throw new Error(`internal: unknown base ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Which of the steps' layer blobs the content store has. Asked all at once, so
 * that they are recorded as used in one turn at the GC lock (cache/guard.ts),
 * not one turn per layer; the guard runs the checks one after another.
 */
async function layersPresent(scope: BuildScope, outs: readonly StepResult[]): Promise<ReadonlySet<Digest>> {
  const digests = [...new Set(outs.flatMap((o) => (o.layer === undefined || o.snapshot === undefined ? [] : [o.layer.diffID])))];
  const has = await Promise.all(digests.map((d) => scope.worker.content.has(d)));
  return new Set(digests.filter((_, i) => has[i] === true));
}

/** The step's layer descriptor; rewrites the blob when `kiln prune` removed it but the snapshot stayed. */
async function ensureLayer(scope: BuildScope, out: StepResult, present: ReadonlySet<Digest>): Promise<Descriptor | undefined> {
  if (out.layer === undefined || out.snapshot === undefined) return undefined;
  const { content, snapshotter } = scope.worker;
  if (!present.has(out.layer.diffID)) {
    const parent = (await snapshotter.stat(out.snapshot)).parent;
    const sde = scope.request.sourceDateEpoch;
    const again = await writeLayer(snapshotter, content, out.snapshot, parent, sde === undefined ? {} : { sourceDateEpoch: sde });
    if (again?.diffID !== out.layer.diffID) throw new FailedPreconditionError(`layer of ${out.snapshot} changed since it was built; build with --no-cache`);
  }
  return { mediaType: MediaType.layer, digest: out.layer.diffID, size: out.layer.size };
}
