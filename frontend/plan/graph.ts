/**
 * The stage graph before anything is resolved: each stage's expanded FROM,
 * what it starts from, which stages and images its commands read
 * (`COPY --from`, `RUN --mount from=`), and which stages a target needs.
 * Follows BuildKit's `buildDispatchStates` and `buildStageDependencyGraph`.
 */
import { DockerfileSyntaxError, type InstructionCommand, type Range, type Stage } from '../../parser/runtime.js';
import { parsePlatform, type Platform } from '../../oci/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { located, type Expander, type Vars } from './expand.js';
import { mountFromOf } from './mount-spec.js';
import type { ResolvedImage } from './types.js';

/** A command inside a stage. */
export type StageCommand = Exclude<InstructionCommand, { kind: 'from' }>;

/** Where a `--from` points before images are resolved. */
export type FromTarget = { readonly kind: 'stage'; readonly index: number } | { readonly kind: 'image'; readonly name: string };

/** A command of a stage with what it reads from other stages or images. */
export interface NodeCommand {
  readonly command: StageCommand;
  /** A base image's ONBUILD trigger (its range is the FROM's). */
  readonly onbuild: boolean;
  /** COPY's `--from`; `null` for the context and for other commands. */
  readonly copyFrom: FromTarget | null;
  /** RUN's mounts' `from=`, one per mount (`null` when absent). */
  readonly mountFrom: readonly (FromTarget | null)[];
}

/** One stage of the graph. */
export interface StageNode {
  readonly stage: Stage;
  readonly index: number;
  /** BuildKit's stage name for progress: the AS name or `stage-N` (`''` alone in the build). */
  displayName: string;
  /** The FROM image after global ARG expansion. */
  readonly baseName: string;
  readonly platform: Platform;
  readonly base: { readonly kind: 'scratch' } | { readonly kind: 'stage'; readonly index: number } | { readonly kind: 'image' };
  /** The base image once resolved. */
  resolved: ResolvedImage | null;
  /** Commands, ONBUILD triggers first once they are known. */
  commands: NodeCommand[];
  /** Whether the base's ONBUILD triggers were added. */
  onbuildInit: boolean;
}

/** What building the graph needs. */
export interface GraphInput {
  readonly stages: readonly Stage[];
  readonly globals: Vars;
  readonly expander: Expander;
  readonly filename: string;
  readonly platform: Platform;
  /** `--build-context NAME=…`: names that FROM and `--from` resolve to another image or stage first. */
  readonly contexts?: NamedContexts | undefined;
}

/**
 * One `--build-context NAME=VALUE`: an image reference, a stage by name, a
 * directory on the host, an OCI image layout directory (by tag or digest), or
 * a git repository.
 */
export type NamedContext =
  | { readonly kind: 'image'; readonly ref: string }
  | { readonly kind: 'stage'; readonly name: string }
  | { readonly kind: 'local'; readonly dir: string }
  | { readonly kind: 'oci-layout'; readonly dir: string; readonly tag?: string | undefined; readonly digest?: string | undefined }
  | { readonly kind: 'git'; readonly url: string };

/** `--build-context` values by name (lowercase). */
export type NamedContexts = ReadonlyMap<string, NamedContext>;

/**
 * The image reference a directory, layout or git context stands for in the
 * plan: the resolver turns it into a stored image. `context://` is no valid
 * image reference, so it never names a real image.
 */
const CONTEXT_REF = 'context://';
export function namedContextRef(name: string): string {
  return `${CONTEXT_REF}${name}`;
}
/** The context name {@link namedContextRef} made `ref` from, or undefined. */
export function namedContextOf(ref: string): string | undefined {
  return ref.startsWith(CONTEXT_REF) ? ref.slice(CONTEXT_REF.length) : undefined;
}

/** Builds every stage's node, in Dockerfile order. */
export function buildGraph(input: GraphInput): StageNode[] {
  const nodes: StageNode[] = [];
  for (const stage of input.stages) nodes.push(nodeOf(input, stage, nodes));
  for (const node of nodes) node.commands = node.stage.commands.map((c) => nodeCommand(input, c, false));
  const alone = nodes.length === 1 && nodes.every((n) => n.commands.every((c) => sourcesOf(c).every((s) => s.kind !== 'image')));
  if (alone && nodes[0] !== undefined) nodes[0].displayName = '';
  return nodes;
}

function nodeOf(input: GraphInput, stage: Stage, earlier: readonly StageNode[]): StageNode {
  const { filename, expander, globals } = input;
  const at = stage.from.range;
  const baseName = located(filename, at, () => expander.word(stage.from.image, globals));
  if (baseName === '') throw new DockerfileSyntaxError(`base name (${stage.from.image}) should not be blank`, filename, at);
  const platform = stage.from.platform === null ? input.platform : platformOf(input, stage.from.platform, at);
  const named = named2(input, baseName, at);
  if (named?.kind === 'stage' && named.index >= earlier.length) {
    throw new DockerfileSyntaxError(`--build-context ${baseName}: stage ${named.index} must be defined before the stage that starts FROM it`, filename, at);
  }
  const baseStage = named?.kind === 'stage' ? named.index : stageNamed(input.stages, baseName);
  const base = named?.kind === 'image' ? { kind: 'image' as const } : baseStage !== undefined && baseStage < earlier.length ? { kind: 'stage' as const, index: baseStage } : baseName === 'scratch' ? { kind: 'scratch' as const } : { kind: 'image' as const };
  return {
    stage, index: stage.index, displayName: stage.name ?? `stage-${stage.index}`, baseName: named?.kind === 'image' ? named.name : baseName, platform, base,
    resolved: null, commands: [], onbuildInit: false,
  };
}

/** A `--build-context` for `name` (before stages and images, as in BuildKit), located at `at`. */
function named2(input: Pick<GraphInput, 'stages' | 'contexts' | 'filename'>, name: string, at: Range): FromTarget | undefined {
  const c = input.contexts?.get(name.toLowerCase());
  if (c === undefined) return undefined;
  if (c.kind === 'image') return { kind: 'image', name: c.ref };
  if (c.kind !== 'stage') return { kind: 'image', name: namedContextRef(name.toLowerCase()) };
  const index = stageNamed(input.stages, c.name.toLowerCase());
  if (index === undefined) throw new DockerfileSyntaxError(`--build-context ${name}=target:${c.name}: no stage named ${c.name}`, input.filename, at);
  return { kind: 'stage', index };
}

function platformOf(input: GraphInput, text: string, at: Range): Platform {
  const value = located(input.filename, at, () => input.expander.word(text, input.globals));
  if (value === '') throw new DockerfileSyntaxError(`empty platform value from expression ${text}`, input.filename, at);
  return located(input.filename, at, () => {
    try {
      return parsePlatform(value, input.platform);
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      throw new InvalidArgumentError(`failed to parse platform ${text}: ${err.message}`, { cause: err });
    }
  });
}

/** A command with its `--from` targets found (BuildKit's `toCommand`). */
export function nodeCommand(input: Pick<GraphInput, 'stages' | 'expander' | 'filename' | 'contexts'>, command: StageCommand, onbuild: boolean): NodeCommand {
  if (command.kind === 'copy' && command.from !== null) {
    const from = command.from;
    const copyFrom = located(input.filename, command.range, () => copyFromTarget(input, from, command.range));
    return { command, onbuild, copyFrom, mountFrom: [] };
  }
  if (command.kind === 'run') {
    const mountFrom = command.mounts.map((m) => {
      const from = m.resolved ? m.value.from : mountFromOf(m.text);
      return from === null || from === '' ? null : (named2(input, from, command.range) ?? stageOrImage(input.stages, from));
    });
    return { command, onbuild, copyFrom: null, mountFrom };
  }
  return { command, onbuild, copyFrom: null, mountFrom: [] };
}

function copyFromTarget(input: Pick<GraphInput, 'stages' | 'expander' | 'contexts' | 'filename'>, from: string, at: Range): FromTarget {
  if (input.expander.word(from, new Map()) !== from) {
    throw new InvalidArgumentError('variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround');
  }
  const named = named2(input, from, at);
  if (named !== undefined) return named;
  if (!/^[+-]?\d+$/.test(from)) return stageOrImage(input.stages, from);
  const index = Number(from);
  if (index < 0 || index >= input.stages.length) throw new InvalidArgumentError(`invalid stage index ${index}`);
  return { kind: 'stage', index };
}

/** A stage of that name (case-insensitive), else an image. */
function stageOrImage(stages: readonly Stage[], name: string): FromTarget {
  const index = stageNamed(stages, name.toLowerCase());
  return index !== undefined ? { kind: 'stage', index } : { kind: 'image', name };
}

/** Each stage list's names to indexes, built once: a file of thousands of stages must not search the list per FROM and `--from`. */
const namesOf = new WeakMap<readonly Stage[], ReadonlyMap<string, number>>();

/** The index of the first stage named `name` (names are stored lowercase). */
function stageNamed(stages: readonly Stage[], name: string): number | undefined {
  let names = namesOf.get(stages);
  if (names === undefined) {
    const map = new Map<string, number>();
    for (const s of stages) if (s.name !== null && !map.has(s.name)) map.set(s.name, s.index);
    namesOf.set(stages, (names = map));
  }
  return names.get(name);
}

/** The `--from` targets of a command. */
export function sourcesOf(c: NodeCommand): FromTarget[] {
  const out: FromTarget[] = [];
  if (c.copyFrom !== null) out.push(c.copyFrom);
  for (const m of c.mountFrom) if (m !== null) out.push(m);
  return out;
}

/** The stages a node reads directly: its base stage and its commands' `--from` stages. */
export function stageDeps(node: StageNode): number[] {
  const deps = new Set<number>();
  if (node.base.kind === 'stage') deps.add(node.base.index);
  for (const c of node.commands) for (const s of sourcesOf(c)) if (s.kind === 'stage') deps.add(s.index);
  return [...deps].sort((a, b) => a - b);
}

/** The target and every stage it needs, transitively. */
export function reachable(nodes: readonly StageNode[], target: number): Set<number> {
  const seen = new Set<number>();
  const visit = (i: number): void => {
    const node = nodes[i];
    if (seen.has(i) || node === undefined) return;
    seen.add(i);
    for (const d of stageDeps(node)) visit(d);
  };
  visit(target);
  return seen;
}
