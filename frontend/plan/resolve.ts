/**
 * The asynchronous part of planning: base images of the stages the target
 * needs are resolved, their ONBUILD triggers become the first commands of the
 * stage built on them (possibly needing more stages), and images named by
 * `COPY --from`/`--mount from=` are resolved. Follows BuildKit's `resolveStages`.
 * See https://docs.docker.com/reference/dockerfile/#onbuild
 */
import { DockerfileSyntaxError, parseInstruction, type Range, type Stage } from '../../parser/runtime.js';
import type { Dockerfile } from '../../parser/runtime.js';
import type { Platform } from '../../store/index.js';
import { locate, type Expander } from './expand.js';
import { nodeCommand, reachable, sourcesOf, stageDeps, type NodeCommand, type StageCommand, type StageNode } from './graph.js';
import type { ImageResolver, ResolvedImage } from './types.js';

/** What resolution needs. */
export interface ResolveInput {
  readonly nodes: StageNode[];
  readonly target: number;
  readonly stages: readonly Stage[];
  readonly expander: Expander;
  readonly filename: string;
  readonly platform: Platform;
  readonly resolveImage: ImageResolver;
}

/**
 * Resolves what the target needs; returns the needed stage indexes and the
 * images `--from` names, by name as written.
 */
export async function resolveNeeded(input: ResolveInput): Promise<{ needed: Set<number>; images: Map<string, ResolvedImage> }> {
  const needed = await resolveStages(input);
  const images = new Map<string, ResolvedImage>();
  for (const i of sorted(needed)) {
    const node = input.nodes[i];
    if (node === undefined) continue;
    for (const c of node.commands) {
      for (const s of sourcesOf(c)) {
        if (s.kind !== 'image' || images.has(s.name)) continue;
        images.set(s.name, await resolveAt(input, s.name, node.platform, c.command.range));
      }
    }
  }
  return { needed, images };
}

/** Repeats until the ONBUILD triggers add no stage (BuildKit's loop). */
async function resolveStages(input: ResolveInput): Promise<Set<number>> {
  for (;;) {
    const needed = reachable(input.nodes, input.target);
    let grew = false;
    for (const i of sorted(needed)) {
      const node = input.nodes[i];
      if (node === undefined) continue;
      if (node.base.kind === 'image' && node.resolved === null) {
        node.resolved = await resolveAt(input, node.baseName, node.platform, node.stage.from.range);
      }
      if (!node.onbuildInit && triggerTexts(input.nodes, node).length > 0) await loadParser();
      if (!node.onbuildInit && addTriggers(input, node)) grew = true;
    }
    if (!grew) return needed;
  }
}

/**
 * The syntax parser (chevrotain) is loaded only when a base has ONBUILD
 * triggers to parse: a build's own Dockerfile may come from the parse cache.
 */
let parseText: ((text: string, options: { filename: string }) => Dockerfile) | undefined;
async function loadParser(): Promise<void> {
  parseText ??= (await import('../../parser/index.js')).parse;
}

function sorted(set: ReadonlySet<number>): number[] {
  return [...set].sort((a, b) => a - b);
}

/** Calls the resolver; its error is located at `range` (the cause keeps its class). */
async function resolveAt(input: ResolveInput, name: string, platform: Platform, range: Range): Promise<ResolvedImage> {
  try {
    return await input.resolveImage(name, platform);
  } catch (err) {
    throw locate(err, input.filename, range);
  }
}

/**
 * Puts the base's ONBUILD triggers before the node's commands; returns true
 * when they read from a stage not read before.
 */
function addTriggers(input: ResolveInput, node: StageNode): boolean {
  node.onbuildInit = true;
  const texts = triggerTexts(input.nodes, node);
  if (texts.length === 0) return false;
  const before = new Set(stageDeps(node));
  const at = node.stage.from.range;
  const triggers = texts.map((text) => triggerCommand(input, text, at));
  node.commands = [...triggers, ...node.commands];
  return stageDeps(node).some((d) => !before.has(d));
}

/** The triggers a node inherits: its base image's `OnBuild`, or its base stage's ONBUILD lines. */
function triggerTexts(nodes: readonly StageNode[], node: StageNode): string[] {
  if (node.base.kind === 'image') return [...(node.resolved?.config.config?.OnBuild ?? [])];
  if (node.base.kind === 'scratch') return [];
  const base = nodes[node.base.index];
  return (base?.stage.commands ?? []).flatMap((c) => (c.kind === 'onbuild' ? [c.expression] : []));
}

/** Parses one trigger as an instruction; it and its errors are placed at the FROM. */
function triggerCommand(input: ResolveInput, text: string, at: Range): NodeCommand {
  if (parseText === undefined) throw new Error('internal: the parser was not loaded before an ONBUILD trigger');
  const parse = parseText;
  try {
    const df = parse(text, { filename: input.filename });
    const inst = df.instructions[0];
    if (inst === undefined || df.instructions.length !== 1) throw new DockerfileSyntaxError('onbuild trigger should be a single expression', input.filename, at);
    const command = parseInstruction(inst, input.filename);
    if (command.kind === 'from') throw new DockerfileSyntaxError('FROM isn\'t allowed as an ONBUILD trigger', input.filename, at);
    const moved = { ...command, range: at } as StageCommand;
    return nodeCommand(input, moved, true);
  } catch (err) {
    // The trigger's own positions are in the trigger text: a user error is placed at the FROM; a bug passes through.
    if (err instanceof DockerfileSyntaxError) throw new DockerfileSyntaxError(err.detail, input.filename, at, { cause: err });
    throw locate(err, input.filename, at);
  }
}
