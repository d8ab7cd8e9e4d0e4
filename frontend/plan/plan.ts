/**
 * `planBuild`: a parsed Dockerfile and the build's options in, the stages the
 * target needs out, each with its steps and final image config. Pure apart
 * from the injected image resolver. Follows BuildKit's `toDispatchState`.
 */
import { DockerfileSyntaxError } from '../../parser/runtime.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { consumedBuildArgs, globalScope, proxyEnv, resolveBuildArgs, unusedBuildArgsMessage } from './args.js';
import type { PlanScope } from './context.js';
import { dispatchStage, plannedStage, type DispatchedStage } from './dispatch.js';
import { Expander } from './expand.js';
import { buildGraph, type StageNode } from './graph.js';
import { resolveNeeded } from './resolve.js';
import { sandboxHostname } from './sandbox.js';
import { targetStageName } from './platform.js';
import type { BuildPlan, PlanInput, PlanWarning, PlannedStage } from './types.js';

/**
 * Plans a build. Throws `DockerfileSyntaxError` (file, line and column) for a
 * bad instruction or value, with the resolver's error (e.g. `NotFoundError`)
 * as `cause` when an image is missing; `InvalidArgumentError` for an unknown
 * `--target`.
 */
export async function planBuild(input: PlanInput): Promise<BuildPlan> {
  const { filename, platform } = input;
  const expander = new Expander(input.df.escapeToken);
  const buildArgs = resolveBuildArgs(input.buildArgs, input.env ?? {});
  const stages = input.stages.stages;
  if (stages.length === 0) throw new DockerfileSyntaxError('dockerfile contains no stages to build', filename, input.df.range);
  const buildPlatform = input.buildPlatform ?? platform;
  const hostname = sandboxHostname(buildArgs);
  const targetStage = targetStageName(input.target, stages[stages.length - 1]?.name);
  const globals = globalScope({ globalArgs: input.stages.globalArgs, buildArgs, platform, buildPlatform, targetStage, expander, filename });
  const nodes = buildGraph({ stages, globals, expander, filename, platform, contexts: input.contexts });
  const target = targetIndex(nodes, input.target);
  const { needed, images } = await resolveNeeded({ nodes, target, stages, expander, filename, platform, resolveImage: input.resolveImage });
  const declared = new Set(input.stages.globalArgs.flatMap((a) => a.args.map((d) => d.name)));
  const scope: PlanScope = { filename, expander, globals, buildArgs, proxy: proxyEnv(buildArgs), images, declared, hostname };
  const done = new Map<number, DispatchedStage>();
  const heirs = heirCounts(nodes, needed);
  const planned: PlannedStage[] = [];
  for (const node of nodes) {
    if (!needed.has(node.index)) continue;
    const d = dispatchStage(scope, node, done);
    if (node.index === target) applyLabels(d, input.labels ?? {});
    if ((heirs.get(node.index) ?? 0) > 0) done.set(node.index, d);
    if (node.base.kind === 'stage') release(done, heirs, node.base.index);
    planned.push(plannedStage(node, d));
  }
  const { used, unused } = consumedBuildArgs(buildArgs, declared);
  const warnings: PlanWarning[] = [...input.df.warnings, ...input.stages.warnings];
  if (unused.length > 0) warnings.push({ message: unusedBuildArgsMessage(unused) });
  return { stages: planned, target, warnings, usedBuildArgs: used };
}

/**
 * How many needed stages start from each stage. A dispatched stage's state
 * (its variables) is kept only until the last of them is planned, so a long
 * chain of stages does not hold every stage's variables at once.
 */
function heirCounts(nodes: readonly StageNode[], needed: ReadonlySet<number>): Map<number, number> {
  const heirs = new Map<number, number>();
  for (const n of nodes) if (needed.has(n.index) && n.base.kind === 'stage') heirs.set(n.base.index, (heirs.get(n.base.index) ?? 0) + 1);
  return heirs;
}

function release(done: Map<number, DispatchedStage>, heirs: Map<number, number>, index: number): void {
  const left = (heirs.get(index) ?? 0) - 1;
  heirs.set(index, left);
  if (left <= 0) done.delete(index);
}

/** `--label`s go on the target's config only, after its own LABELs, without history (BuildKit). */
function applyLabels(d: DispatchedStage, labels: Readonly<Record<string, string>>): void {
  if (Object.keys(labels).length === 0) return;
  const container = d.state.container;
  container.Labels = { ...(container.Labels ?? {}), ...labels };
}

/** The target's index: the named stage, or the last one. */
function targetIndex(nodes: readonly StageNode[], target: string | undefined): number {
  if (target === undefined || target === '') return nodes.length - 1;
  const node = nodes.find((n) => n.stage.name === target.toLowerCase());
  if (node !== undefined) return node.index;
  const names = nodes.flatMap((n) => (n.stage.name === null ? [] : [n.stage.name]));
  const close = closest(target.toLowerCase(), names);
  const hint = close === null ? '' : ` (did you mean ${close}?)`;
  const list = names.length === 0 ? 'the Dockerfile names no stages' : `stages: ${names.join(', ')}`;
  throw new InvalidArgumentError(`target stage "${target}" could not be found${hint}; ${list}`);
}

/** The name nearest to `word` by edit distance, if it is close enough to be a typo. */
function closest(word: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = word.length < 4 ? 1 : 2;
  for (const name of names) {
    const d = editDistance(word, name);
    if (d <= bestDistance) {
      best = name;
      bestDistance = d - 1;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
