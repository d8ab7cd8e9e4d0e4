/**
 * Plans one stage: its starting state from the base, then each command in
 * order (ONBUILD triggers first), BuildKit's `dispatchStages` and `dispatch`.
 */
import { DockerfileSyntaxError } from '../../parser/runtime.js';
import { planArg, planWorkdir } from './arg-workdir.js';
import {
  planCmd, planEntrypoint, planEnv, planExpose, planHealthcheck, planLabel, planMaintainer, planOnbuild,
  planShell, planStopSignal, planUser, planVolume,
} from './config-steps.js';
import { ProgressNames, StagePlanner, type PlanScope } from './context.js';
import { planCopy } from './copy-step.js';
import { stageDeps, type NodeCommand, type StageNode } from './graph.js';
import { planRun } from './run-step.js';
import { StageState } from './state.js';
import type { PlannedStage, StageBase } from './types.js';

/** A planned stage and the state stages built on it start from. */
export interface DispatchedStage {
  readonly state: StageState;
  readonly fromName: string | null;
}

/**
 * Plans `node`; `done` holds the stages planned so far (a stage base is
 * always among them: bases come earlier in the Dockerfile).
 */
export function dispatchStage(scope: PlanScope, node: StageNode, done: ReadonlyMap<number, DispatchedStage>): DispatchedStage {
  const state = initialState(node, done);
  const names = new ProgressNames(node.displayName, progressTotal(node));
  const fromName = node.base.kind === 'image' && node.resolved !== null ? names.next(`FROM ${node.resolved.display ?? node.resolved.ref}`, false) : null;
  const p = new StagePlanner(scope, node, state, names);
  for (const c of node.commands) {
    if (!c.onbuild) {
      dispatchCommand(p, c);
      continue;
    }
    try {
      dispatchCommand(p, c);
    } catch (err) {
      // A trigger's own positions are in the trigger text; the FROM is where it lives.
      if (!(err instanceof DockerfileSyntaxError)) throw err;
      throw new DockerfileSyntaxError(err.detail, scope.filename, node.stage.from.range, { cause: err });
    }
  }
  return { state, fromName };
}

function initialState(node: StageNode, done: ReadonlyMap<number, DispatchedStage>): StageState {
  switch (node.base.kind) {
    case 'scratch':
      return StageState.scratch(node.platform);
    case 'image':
      if (node.resolved === null) throw new Error(`internal: base image of stage ${node.index} not resolved`);
      return StageState.image(node.resolved.config);
    case 'stage': {
      const base = done.get(node.base.index);
      if (base === undefined) throw new Error(`internal: base stage ${node.base.index} not planned`);
      return StageState.stage(base.state);
    }
    default: {
      const never: never = node.base;
      throw new Error(`internal: unhandled base ${String(never)}`);
    }
  }
}

/** BuildKit's `cmdTotal`: the image pull, then RUN, COPY, ADD, WORKDIR and every trigger. */
function progressTotal(node: StageNode): number {
  const pull = node.base.kind === 'image' ? 1 : 0;
  const own = node.stage.commands.filter((c) => c.kind === 'run' || c.kind === 'copy' || c.kind === 'add' || c.kind === 'workdir').length;
  return pull + own + node.commands.filter((c) => c.onbuild).length;
}

function dispatchCommand(p: StagePlanner, c: NodeCommand): void {
  const cmd = c.command;
  switch (cmd.kind) {
    case 'run': return planRun(p, c, cmd);
    case 'copy':
    case 'add': return planCopy(p, c, cmd);
    case 'workdir': return planWorkdir(p, c, cmd);
    case 'arg': return planArg(p, c, cmd);
    case 'env': return planEnv(p, c, cmd);
    case 'label': return planLabel(p, c, cmd);
    case 'expose': return planExpose(p, c, cmd);
    case 'volume': return planVolume(p, c, cmd);
    case 'user': return planUser(p, c, cmd);
    case 'stopsignal': return planStopSignal(p, c, cmd);
    case 'healthcheck': return planHealthcheck(p, c, cmd);
    case 'maintainer': return planMaintainer(p, c, cmd);
    case 'shell': return planShell(p, c, cmd);
    case 'cmd': return planCmd(p, c, cmd);
    case 'entrypoint': return planEntrypoint(p, c, cmd);
    case 'onbuild': return planOnbuild(p, c, cmd);
    default: {
      const never: never = cmd;
      throw new Error(`internal: unhandled instruction ${String((never as { kind: unknown }).kind)}`);
    }
  }
}

/**
 * The plan's view of a dispatched stage. Its config is the state's own, not a
 * copy: a stage's state is final once dispatched (stages built on it copy it),
 * and copying every stage's whole history made a long chain of stages quadratic.
 */
export function plannedStage(node: StageNode, d: DispatchedStage): PlannedStage {
  return {
    index: node.index,
    name: node.stage.name,
    displayName: node.displayName,
    range: node.stage.from.range,
    platform: node.platform,
    base: baseOf(node),
    fromName: d.fromName,
    steps: [...d.state.steps],
    config: d.state.config,
    dependsOn: stageDeps(node),
  };
}

function baseOf(node: StageNode): StageBase {
  switch (node.base.kind) {
    case 'scratch': return { kind: 'scratch' };
    case 'stage': return { kind: 'stage', index: node.base.index };
    case 'image':
      if (node.resolved === null) throw new Error(`internal: base image of stage ${node.index} not resolved`);
      return { kind: 'image', ref: node.resolved.ref, config: node.resolved.config };
    default: {
      const never: never = node.base;
      throw new Error(`internal: unhandled base ${String(never)}`);
    }
  }
}
