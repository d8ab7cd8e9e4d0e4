/**
 * The state of a stage while its instructions are planned: the image config
 * being built, the variables instructions expand with, the ARGs in scope and
 * the history. Internal to the planner; stages hand a copy to stages built on
 * them (BuildKit's `dispatchState`).
 */
import type { ContainerConfig, HistoryEntry, ImageConfig, Platform } from '../../store/index.js';
import { normalizeWorkdir } from './paths.js';
import type { Step } from './types.js';

/** BuildKit's history comment. */
const historyComment = 'buildkit.dockerfile.v0';
/** The PATH a Linux stage gets when its base sets none (BuildKit's `system.DefaultPathEnv`). */
export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** An ARG in scope: its name and value (`null` when declared without one). */
export interface ArgBinding {
  readonly key: string;
  readonly value: string | null;
}

/** A stage's mutable planning state. */
export class StageState {
  readonly config: ImageConfig;
  /** ARGs declared in this stage (and its base stages), in order. */
  readonly args: ArgBinding[];
  readonly steps: Step[] = [];
  /** CMD was set in this stage, so a later ENTRYPOINT keeps it. */
  cmdSet = false;
  /**
   * The variables instructions expand with and RUN gets: the image env, then
   * ARG and ENV values as they come (BuildKit's LLB state env).
   */
  readonly #vars: Map<string, string>;
  /** {@link varsList} until a variable changes: RUN after RUN shares one list instead of copying every variable. */
  #varsList: readonly string[] | null = null;
  /**
   * Where each key sits in the config's `Env` (its first entry), so ENV
   * replaces in place without scanning the list: a Dockerfile of many ENV
   * lines must plan in linear time.
   */
  readonly #envIndex = new Map<string, number>();

  private constructor(config: ImageConfig, vars: Map<string, string>, args: ArgBinding[]) {
    this.config = config;
    this.#vars = vars;
    this.args = args;
    // Triggers run in the stage built on this one, never again after.
    delete this.container.OnBuild;
    this.#init();
  }

  /** `FROM scratch`: BuildKit's empty image. */
  static scratch(platform: Platform): StageState {
    const config: ImageConfig = {
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant !== undefined && platform.variant !== '' ? { variant: platform.variant } : {}),
      config: { Env: [`PATH=${defaultPath}`], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [] },
      history: [],
    };
    return new StageState(config, new Map(), []);
  }

  /** `FROM image`: its config (history kept, layers left for the builder, `created` and ONBUILD dropped). */
  static image(base: ImageConfig): StageState {
    const config = structuredClone(base);
    delete config.created;
    config.rootfs = { type: 'layers', diff_ids: [] };
    config.history = config.history ?? [];
    return new StageState(config, new Map(), []);
  }

  /** `FROM stage`: the stage's config, variables and ARGs. */
  static stage(base: StageState): StageState {
    return new StageState(copyConfig(base.config), new Map(base.#vars), [...base.args]);
  }

  /** The container part of the config, created when missing. */
  get container(): ContainerConfig {
    this.config.config ??= {};
    return this.config.config;
  }

  /** USER at this point (`''` is root). */
  get user(): string {
    return this.container.User ?? '';
  }

  /** The working directory at this point. */
  get cwd(): string {
    const wd = this.container.WorkingDir;
    return wd === undefined || wd === '' ? '/' : wd;
  }

  /** BuildKit's stage setup: PATH always set, the image env in the variables, WORKDIR made absolute. */
  #init(): void {
    const c = this.container;
    const env = c.Env ?? [];
    if (!env.some((e) => envKey(e) === 'PATH')) c.Env = [...env, `PATH=${defaultPath}`];
    for (const [i, entry] of (c.Env ?? []).entries()) {
      const key = envKey(entry);
      this.#vars.set(key, envValue(entry));
      if (!this.#envIndex.has(key)) this.#envIndex.set(key, i);
    }
    if (c.WorkingDir !== undefined && c.WorkingDir !== '') c.WorkingDir = normalizeWorkdir('/', c.WorkingDir);
  }

  /** ENV: sets the variable and the config's Env entry (replaced in place when present). */
  setEnv(key: string, value: string): void {
    this.setVar(key, value);
    const env = (this.container.Env ??= []);
    const i = this.#envIndex.get(key);
    if (i !== undefined) env[i] = `${key}=${value}`;
    else this.#envIndex.set(key, env.push(`${key}=${value}`) - 1);
  }

  /** The variables in scope (read-only: change them with {@link setVar} or {@link setEnv}). */
  get vars(): ReadonlyMap<string, string> {
    return this.#vars;
  }

  /** Sets a variable for later instructions and RUN (ARG; ENV through {@link setEnv}). */
  setVar(key: string, value: string): void {
    this.#vars.set(key, value);
    this.#varsList = null;
  }

  /** The variables as `KEY=value` entries, in definition order; the same array until one changes. */
  varsList(): readonly string[] {
    this.#varsList ??= Object.freeze([...this.#vars].map(([k, v]) => `${k}=${v}`));
    return this.#varsList;
  }

  /**
   * Appends a history entry (BuildKit's `commitToHistory`) and returns its
   * index. `buildkit` adds the ` # buildkit` suffix BuildKit gives steps that
   * run in LLB (RUN, COPY, ADD).
   */
  commit(createdBy: string, withLayer: boolean, buildkit = false): number {
    const entry: HistoryEntry = { created_by: buildkit ? `${createdBy} # buildkit` : createdBy, comment: historyComment };
    if (!withLayer) entry.empty_layer = true;
    this.config.history ??= [];
    this.config.history.push(entry);
    return this.config.history.length - 1;
  }
}

/**
 * A copy of a stage's config for a stage built on it. History entries and
 * strings are shared (planning never changes an entry once recorded); the
 * containers planning does change are copied. A chain of stages then costs
 * one array slot per inherited entry, not a deep copy of each.
 */
function copyConfig(config: ImageConfig): ImageConfig {
  const { history, config: container, ...rest } = config;
  const copy: ImageConfig = { ...structuredClone(rest), history: [...(history ?? [])] };
  if (container !== undefined) {
    const { Env, ...other } = container;
    copy.config = { ...structuredClone(other), ...(Env === undefined ? {} : { Env: [...Env] }) };
  }
  return copy;
}

/** The name in a `KEY=value` env entry. */
export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

function envValue(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? '' : entry.slice(eq + 1);
}
