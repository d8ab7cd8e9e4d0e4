/**
 * The image of a built stage: the base's layers, then one layer per step that
 * changed the rootfs, the planned config with `rootfs.diff_ids` and each
 * history entry's `empty_layer` filled from what actually happened, and
 * `created` from SOURCE_DATE_EPOCH when set (so two clean builds match).
 */
import type { Snapshotter } from '../../cache/index.js';
import type { BuildPlan, PlannedStage } from '../plan/index.js';
import { MediaType, type Descriptor, type HistoryEntry, type ImageConfig } from '../../store/index.js';
import { FailedPreconditionError } from '../../util/errors.js';
import type { BuildEnv } from './env.js';
import { loadStep, writeLayer, type StepOutput } from './layer-commit.js';
import { isStepKey } from '../../cache/index.js';

/** A stage's exported form. */
export interface StageImage {
  readonly config: ImageConfig;
  readonly layers: readonly Descriptor[];
}

/** Step snapshots from `top` down to the first non-step snapshot, oldest first. */
async function stepChain(sn: Snapshotter, top: string | undefined): Promise<StepOutput[]> {
  const out: StepOutput[] = [];
  for (let key = top; isStepKey(key); ) {
    const step = await loadStep(sn, key);
    if (step === undefined) throw new FailedPreconditionError(`build step snapshot ${key} is gone; build again`);
    out.unshift(step);
    key = (await sn.stat(key)).parent;
  }
  return out;
}

/** Builds the image of `stage` whose final snapshot is `top`. */
export async function stageImage(env: BuildEnv, plan: BuildPlan, stage: PlannedStage, top: string | undefined): Promise<StageImage> {
  const chain = await stepChain(env.snapshotter, top);
  return assemble(env, plan, stage, chain, timeOf(env));
}

/**
 * History times: SOURCE_DATE_EPOCH when set, else when each step was first
 * built (its snapshot's commit time), so a fully cached rebuild gives the
 * same image id, as with BuildKit.
 */
type TimeOf = (out: StepOutput | undefined) => string | undefined;

function timeOf(env: BuildEnv): TimeOf {
  const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (env.sourceDateEpoch !== undefined) {
    const fixed = iso(env.sourceDateEpoch * 1000);
    return () => fixed;
  }
  return (out) => (out === undefined ? undefined : iso(out.createdAt));
}

async function assemble(env: BuildEnv, plan: BuildPlan, stage: PlannedStage, chain: readonly StepOutput[], time: TimeOf): Promise<StageImage> {
  const own = stage.steps.filter((s) => s.kind !== 'config');
  if (chain.length < own.length) throw new Error(`internal: stage ${stage.index} has ${own.length} steps but ${chain.length} snapshots`);
  const mine = chain.slice(chain.length - own.length);
  const base = await baseImage(env, plan, stage, chain.slice(0, chain.length - own.length), time);
  // The stage's own entries are copied before `empty_layer` is set: the plan's entries are shared with stages built on it.
  const history: HistoryEntry[] = [...base.history, ...(stage.config.history ?? []).slice(base.plannedHistory).map((h) => ({ ...h }))];
  const layers: Descriptor[] = [...base.layers];
  const offset = base.history.length - base.plannedHistory;
  // Config-only entries take the time of the step before them (or the stage's first step).
  let last: string | undefined = time(mine[0]) ?? base.created;
  const stamps = new Map<number, string>();
  let executed = 0;
  for (const step of stage.steps) {
    if (step.kind !== 'config') {
      const out = mine[executed++];
      last = time(out) ?? last;
      const layer = out === undefined ? undefined : await ensureLayer(env, out);
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

async function baseImage(env: BuildEnv, plan: BuildPlan, stage: PlannedStage, chain: readonly StepOutput[], time: TimeOf): Promise<BaseParts> {
  const base = stage.base;
  switch (base.kind) {
    case 'scratch':
      return { created: undefined, layers: [], history: [], plannedHistory: 0 };
    case 'image': {
      const image = await env.images.get(base.ref);
      const m = await env.images.manifest(image);
      const cfg = await env.images.config(image);
      const history = cfg.history ?? [];
      return { created: cfg.created, layers: m.layers.map((l) => ({ mediaType: MediaType.layer, digest: l.digest, size: l.size })), history: history.map((h) => ({ ...h })), plannedHistory: history.length };
    }
    case 'stage': {
      const parent = plan.stages.find((s) => s.index === base.index);
      if (parent === undefined) throw new Error(`internal: stage ${base.index} not planned`);
      const img = await assemble(env, plan, parent, chain, time);
      return { created: img.config.created, layers: img.layers, history: img.config.history ?? [], plannedHistory: parent.config.history?.length ?? 0 };
    }
    default: {
      const never: never = base;
      throw new Error(`internal: unknown base ${JSON.stringify(never)}`);
    }
  }
}

/** The step's layer descriptor; rewrites the blob when `kiln prune` removed it but the snapshot stayed. */
async function ensureLayer(env: BuildEnv, out: StepOutput): Promise<Descriptor | undefined> {
  if (out.layer === undefined) return undefined;
  if (!(await env.content.has(out.layer.diffID))) {
    const parent = (await env.snapshotter.stat(out.key)).parent;
    const again = await writeLayer(env.snapshotter, env.content, out.key, parent, env.sourceDateEpoch === undefined ? {} : { sourceDateEpoch: env.sourceDateEpoch });
    if (again?.diffID !== out.layer.diffID) throw new FailedPreconditionError(`layer of ${out.key} changed since it was built; build with --no-cache`);
  }
  return { mediaType: MediaType.layer, digest: out.layer.diffID, size: out.layer.size };
}
