/**
 * What planning one instruction of a stage sees: the build-wide scope, the
 * stage's state, progress naming, and helpers to expand a value and to record
 * a step with its history entry.
 */
import type { Range } from '../../parser/index.js';
import type { Expander, Vars } from './expand.js';
import { located } from './expand.js';
import type { NodeCommand, StageNode } from './graph.js';
import type { StageState } from './state.js';
import type { ConfigInstruction, ResolvedImage, Step } from './types.js';

/** Build-wide values every stage uses. */
export interface PlanScope {
  readonly filename: string;
  readonly expander: Expander;
  /** Global ARGs and the platform ARGs: what `ARG NAME` without a value inherits. */
  readonly globals: Vars;
  readonly buildArgs: ReadonlyMap<string, string>;
  /** Proxy variables from `--build-arg`s, as RUN gets them. */
  readonly proxy: readonly (readonly [string, string])[];
  /** Images `--from` names, by name as written. */
  readonly images: ReadonlyMap<string, ResolvedImage>;
  /** ARG names declared in the planned stages (filled while planning). */
  readonly declared: Set<string>;
  /** The sandbox hostname RUN steps get (`buildkitsandbox` or BUILDKIT_SANDBOX_HOSTNAME). */
  readonly hostname: string;
}

/**
 * BuildKit's progress names: `[stage i/n] INSTRUCTION`, numbered in the
 * order steps are planned (`prefixCommand`).
 */
export class ProgressNames {
  #index = 0;
  readonly #stage: string;
  readonly #total: number;

  constructor(stage: string, total: number) {
    this.#stage = stage;
    this.#total = total;
  }

  /** The next name; `text` starts with the instruction keyword. */
  next(text: string, onbuild: boolean): string {
    if (this.#total === 0) return text;
    this.#index++;
    const width = String(this.#total).length;
    const stage = this.#stage === '' ? '' : `${this.#stage} `;
    return `[${stage}${String(this.#index).padStart(width, ' ')}/${this.#total}] ${onbuild ? 'ONBUILD ' : ''}${text}`;
  }
}

/** One stage being planned. */
export class StagePlanner {
  readonly scope: PlanScope;
  readonly node: StageNode;
  readonly state: StageState;
  readonly names: ProgressNames;

  constructor(scope: PlanScope, node: StageNode, state: StageState, names: ProgressNames) {
    this.scope = scope;
    this.node = node;
    this.state = state;
    this.names = names;
  }

  /** Expands one word with the stage's variables; errors are located at `range`. */
  word(text: string, range: Range): string {
    return located(this.scope.filename, range, () => this.scope.expander.word(text, this.state.vars));
  }

  /** Expands and splits one word. */
  words(text: string, range: Range): string[] {
    return located(this.scope.filename, range, () => this.scope.expander.words(text, this.state.vars));
  }

  /** The progress name of an executed step: its source line, expanded like BuildKit does. */
  progressName(c: NodeCommand, raw: boolean, suffix = ''): string {
    const text = this.scope.expander.display(c.command.source.original.trim(), this.state.vars, raw);
    const sp = text.indexOf(' ');
    const upper = sp < 0 ? text.toUpperCase() : `${text.slice(0, sp).toUpperCase()}${text.slice(sp)}`;
    return this.names.next(`${upper}${suffix}`, c.onbuild);
  }

  /** Records a config-only step and, unless `createdBy` is `null`, its empty-layer history entry. */
  config(c: NodeCommand, instruction: ConfigInstruction, createdBy: string | null): void {
    const historyIndex = createdBy === null ? null : this.state.commit(createdBy, false);
    this.push({ kind: 'config', instruction, range: c.command.range, createdBy, historyIndex, onbuild: c.onbuild });
  }

  /** Adds a planned step. */
  push(step: Step): void {
    this.state.steps.push(step);
  }
}
