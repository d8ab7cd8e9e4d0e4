/**
 * Build plan → solver graph: one vertex per base image and per executed step
 * (RUN, COPY/ADD, WORKDIR); config-only instructions make no vertex. Each
 * stage's last edge is what later stages (FROM stage, COPY --from) read.
 */
import type { BuildPlan, PlannedStage, SourceRef, Step } from '../plan/index.js';
import type { Range } from '../../parser/index.js';
import { createVertex, type Edge, type Op } from '../../solver/index.js';
import type { JsonValue } from '../../solver/index.js';
import type { BuildScope } from './scope.js';
import { CopyOp } from './op-copy.js';
import { RunOp } from './op-run.js';
import { ImageSourceOp, ScratchOp } from './op-source.js';
import { WorkdirOp } from './op-workdir.js';

/** The graph of a plan: the final edge of every planned stage, and the executed steps per stage. */
export interface BuildGraph {
  readonly stageEdges: ReadonlyMap<number, Edge>;
  /** Vertex digest → the Dockerfile range of its instruction, for errors. */
  readonly ranges: ReadonlyMap<string, Range>;
  /** The edge of every step that produces a snapshot (RUN, COPY/ADD, WORKDIR): the export reads each one's result. */
  readonly stepEdges: ReadonlyMap<Step, Edge>;
}

function edge(name: string, op: Op, def: JsonValue, inputs: readonly Edge[] = [], ignoreCache = false): Edge {
  return { vertex: createVertex({ name, op, def, inputs, ...(ignoreCache ? { options: { ignoreCache } } : {}) }), index: 0 };
}

/** Builds the solver graph for `plan`; the steps of `noCacheStages` (`--no-cache-filter`) never hit the cache. */
export function buildGraph(scope: BuildScope, plan: BuildPlan, noCacheStages: ReadonlySet<number> = new Set()): BuildGraph {
  const stageEdges = new Map<number, Edge>();
  const stepEdges = new Map<Step, Edge>();
  const ranges = new Map<string, Range>();
  const images = new Map<string, Edge>();
  const imageEdge = (ref: string, name: string): Edge => {
    let e = images.get(ref);
    if (e === undefined) {
      e = edge(name, new ImageSourceOp(scope.worker, ref), { op: 'image', ref });
      images.set(ref, e);
    }
    return e;
  };
  const sourceEdge = (from: SourceRef): Edge | undefined => {
    switch (from.kind) {
      case 'context':
        return undefined;
      case 'scratch':
        return edge('scratch', new ScratchOp(), { op: 'scratch' });
      case 'stage':
        return stageEdges.get(from.index);
      case 'image':
        return imageEdge(from.ref, `[internal] load ${from.ref}`);
      default: {
        const never: never = from;
        throw new Error(`internal: unknown source ${JSON.stringify(never)}`);
      }
    }
  };
  for (const stage of plan.stages) {
    let cur = baseEdge(stage, stageEdges, imageEdge);
    if (stage.base.kind === 'image') ranges.set(cur.vertex.digest, stage.range);
    for (const step of stage.steps) {
      const next = stepEdge(scope, step, cur, sourceEdge, noCacheStages.has(stage.index));
      if (next !== undefined) {
        ranges.set(next.vertex.digest, step.range);
        stepEdges.set(step, next);
        cur = next;
      }
    }
    stageEdges.set(stage.index, cur);
  }
  return { stageEdges, stepEdges, ranges };
}

function baseEdge(stage: PlannedStage, stages: ReadonlyMap<number, Edge>, imageEdge: (ref: string, name: string) => Edge): Edge {
  const base = stage.base;
  switch (base.kind) {
    case 'scratch':
      return edge('scratch', new ScratchOp(), { op: 'scratch' });
    case 'image':
      return imageEdge(base.ref, stage.fromName ?? `FROM ${base.ref}`);
    case 'stage': {
      const e = stages.get(base.index);
      if (e === undefined) throw new Error(`internal: stage ${base.index} planned after its dependant`);
      return e;
    }
    default: {
      const never: never = base;
      throw new Error(`internal: unknown base ${JSON.stringify(never)}`);
    }
  }
}

function stepEdge(scope: BuildScope, step: Step, cur: Edge, sourceEdge: (from: SourceRef) => Edge | undefined, ignoreCache: boolean): Edge | undefined {
  switch (step.kind) {
    case 'config':
      return undefined;
    case 'workdir':
      return edge(step.name, new WorkdirOp(scope, step), { kind: 'workdir', def: step.definition }, [cur], ignoreCache);
    case 'run': {
      const inputs: Edge[] = [cur];
      const mountInputs = step.mounts.map((m) => {
        if ((m.type !== 'bind' && m.type !== 'cache') || m.from.kind === 'context') return undefined;
        const e = sourceEdge(m.from);
        if (e === undefined) return undefined;
        inputs.push(e);
        return inputs.length - 1;
      });
      return edge(step.name, new RunOp(scope, step, mountInputs), { kind: 'run', def: step.definition }, inputs, ignoreCache);
    }
    case 'copy': {
      const from = sourceEdge(step.from);
      const inputs = from === undefined ? [cur] : [cur, from];
      return edge(step.name, new CopyOp(scope, step), { kind: 'copy', def: step.definition }, inputs, ignoreCache);
    }
    default: {
      const never: never = step;
      throw new Error(`internal: unknown step ${JSON.stringify(never)}`);
    }
  }
}
