/**
 * The build plan: what a Dockerfile means once ARGs, stages, `--target` and
 * base images are resolved, as plain data. The builder turns each stage's
 * steps into solver vertices; nothing here runs a process or touches a file.
 */
import type { Dockerfile, InstructionCommand, Range, Stages } from '../../parser/index.js';
import type { JsonValue } from '../../solver/index.js';
import type { ImageConfig, Platform } from '../../store/index.js';
import type { NamedContexts } from './graph.js';

/** A base image found by the resolver: its normalized reference and config. */
export interface ResolvedImage {
  /** The normalized reference, e.g. `docker.io/library/alpine:3.20`. */
  readonly ref: string;
  readonly config: ImageConfig;
  /** How progress names it when `ref` is not what the user wrote (a `--build-context`). */
  readonly display?: string | undefined;
}

/**
 * Looks an image up (the local store today, a registry later). Throws
 * `NotFoundError` when it is missing; the planner relocates the error at the
 * instruction that named the image.
 */
export type ImageResolver = (ref: string, platform: Platform) => Promise<ResolvedImage>;

/** RUN's `--network`. */
export type NetworkMode = Extract<InstructionCommand, { kind: 'run' }>['network'];
/** RUN's `--security`. */
export type SecurityMode = Extract<InstructionCommand, { kind: 'run' }>['security'];

/** Everything {@link planBuild} needs. */
export interface PlanInput {
  readonly df: Dockerfile;
  readonly stages: Stages;
  readonly filename: string;
  /** `--build-arg`s; `undefined` (`--build-arg NAME`) takes the value from `env`, or drops the arg when unset there. */
  readonly buildArgs: Readonly<Record<string, string | undefined>>;
  /** The environment `--build-arg NAME` reads (the CLI passes `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly target?: string | undefined;
  /** The target platform: TARGET* args and the platform of `FROM scratch`. */
  readonly platform: Platform;
  /** The build platform for BUILD* args; defaults to `platform`. */
  readonly buildPlatform?: Platform | undefined;
  readonly resolveImage: ImageResolver;
  /** `--label`s, applied to the target stage's config. */
  readonly labels?: Readonly<Record<string, string>> | undefined;
  /** `--build-context`s that name an image or a stage. */
  readonly contexts?: NamedContexts | undefined;
}

/** Something BuildKit only warns about. */
export interface PlanWarning {
  readonly message: string;
  readonly range?: Range;
}

/** {@link planBuild}'s result. */
export interface BuildPlan {
  /** The stages the target needs, in dependency order (the target last). */
  readonly stages: readonly PlannedStage[];
  /** The target's stage index (its position in the Dockerfile). */
  readonly target: number;
  /** Everything BuildKit only warns about: the parser's and the stage grouping's warnings, then unused `--build-arg`s. */
  readonly warnings: readonly PlanWarning[];
  /** The `--build-arg` names the build consumed, sorted. */
  readonly usedBuildArgs: readonly string[];
}

/** What a stage starts from. */
export type StageBase =
  | { readonly kind: 'scratch' }
  | { readonly kind: 'image'; readonly ref: string; readonly config: ImageConfig }
  | { readonly kind: 'stage'; readonly index: number };

/** One stage of the plan. */
export interface PlannedStage {
  /** Position among all the Dockerfile's stages, from 0. */
  readonly index: number;
  /** The `AS` name (lowercase), or `null`. */
  readonly name: string | null;
  /** The name BuildKit shows in progress: the `AS` name, `stage-N`, or `''` in a one-stage build. */
  readonly displayName: string;
  /** The FROM instruction's range. */
  readonly range: Range;
  readonly platform: Platform;
  readonly base: StageBase;
  /** The progress name of pulling an image base (`[stage 1/4] FROM ref`); `null` for scratch and stage bases. */
  readonly fromName: string | null;
  readonly steps: readonly Step[];
  /**
   * The stage's final image config. `history` holds the base's entries then one
   * per instruction that records history; `rootfs.diff_ids` is empty: the
   * builder fills it with the base's layers and one per non-empty history entry.
   */
  readonly config: ImageConfig;
  /** Stage indexes this stage reads from (FROM, COPY --from, RUN --mount from), sorted. */
  readonly dependsOn: readonly number[];
}

/** What every step has. */
interface StepCommon {
  /** The instruction's range (the FROM's range for a base image's ONBUILD trigger). */
  readonly range: Range;
  /** The history `created_by` text; `null` when the step records no history (ONBUILD). */
  readonly createdBy: string | null;
  /** The step's entry in the stage config's `history`; `null` with `createdBy`. */
  readonly historyIndex: number | null;
  /** True for a trigger inherited from the base's ONBUILD. */
  readonly onbuild: boolean;
}

/** The canonical definition of an executed step, for its cache key (no proxy values, no ranges). */
export type StepDefinition = { readonly [key: string]: JsonValue };

/** Where COPY, ADD or a bind/cache mount reads from. */
export type SourceRef =
  | { readonly kind: 'context' }
  | { readonly kind: 'scratch' }
  | { readonly kind: 'stage'; readonly index: number }
  | { readonly kind: 'image'; readonly ref: string };

/** A file the builder writes before the step (a heredoc). */
export interface InlineFile {
  /** For RUN: the absolute path in the container; for COPY/ADD: the file name. */
  readonly path: string;
  readonly data: string;
  readonly mode: number;
}

/** A `RUN --mount`, expanded, checked and with BuildKit's defaults filled in. */
export type RunMount =
  | { readonly type: 'bind'; readonly target: string; readonly from: SourceRef; readonly source: string; readonly readOnly: boolean }
  | {
      readonly type: 'cache';
      readonly target: string;
      readonly from: SourceRef;
      readonly source: string;
      readonly id: string;
      readonly sharing: 'shared' | 'private' | 'locked';
      readonly readOnly: boolean;
      readonly mode: number | null;
      readonly uid: number | null;
      readonly gid: number | null;
    }
  | { readonly type: 'tmpfs'; readonly target: string; readonly size: number | null }
  | {
      readonly type: 'secret';
      /** `null` when the secret is only exposed as `env`. */
      readonly target: string | null;
      readonly id: string;
      readonly env: string | null;
      readonly required: boolean;
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
    }
  | { readonly type: 'ssh'; readonly target: string; readonly id: string; readonly required: boolean; readonly mode: number; readonly uid: number; readonly gid: number };

/** `RUN`: a process in a container over the stage's rootfs. */
export interface RunStep extends StepCommon {
  readonly kind: 'run';
  /** The progress name, BuildKit's: `[stage 2/5] RUN make`. */
  readonly name: string;
  /** The process arguments (shell form already wrapped in SHELL). */
  readonly args: readonly string[];
  /** `KEY=value`: the image env, ARGs in scope, ENV, then undeclared proxy build-args. */
  readonly env: readonly string[];
  /** USER at this point; `''` is root. Names are resolved in the rootfs when run. */
  readonly user: string;
  readonly cwd: string;
  /** The container's hostname (no HOSTNAME variable is set, as in BuildKit). */
  readonly hostname: string;
  readonly network: NetworkMode;
  readonly security: SecurityMode;
  readonly mounts: readonly RunMount[];
  /** Heredoc scripts, mounted read-only under `/dev/pipes/`. */
  readonly files: readonly InlineFile[];
  readonly definition: StepDefinition;
}

/** ADD's own options. */
export interface AddOptions {
  readonly checksum: string | null;
  readonly keepGitDir: boolean | null;
  /** `null`: the default (archives from the context are unpacked, downloads are not). */
  readonly unpack: boolean | null;
}

/** `COPY` and `ADD`. */
export interface CopyStep extends StepCommon {
  readonly kind: 'copy';
  readonly name: string;
  readonly isAdd: boolean;
  /** ADD's options; `null` for COPY. */
  readonly add: AddOptions | null;
  readonly from: SourceRef;
  /** Source paths (or URLs), expanded, as written. */
  readonly sources: readonly string[];
  /** Heredoc sources: a file of that name holding `data`. */
  readonly inline: readonly InlineFile[];
  /** The absolute destination (relative ones resolved against WORKDIR); a trailing `/` is kept. */
  readonly dest: string;
  /** The destination was written with a trailing `/` (or `/.`): it is a directory. */
  readonly destIsDir: boolean;
  /** `--chown` as written (expanded); names are resolved in the rootfs when run. */
  readonly chown: string | null;
  readonly chmod: string | null;
  readonly link: boolean;
  readonly parents: boolean;
  readonly excludes: readonly string[];
  readonly definition: StepDefinition;
}

/** `WORKDIR` to a directory other than `/`: created (`mkdir -p`, mode 0755) when missing. */
export interface WorkdirStep extends StepCommon {
  readonly kind: 'workdir';
  readonly name: string;
  readonly path: string;
  /** USER at this point: the owner of created directories (BuildKit's `WithUser`); `null` is root. */
  readonly owner: string | null;
  readonly definition: StepDefinition;
}

/** The instructions that only change the config. */
export type ConfigInstruction =
  | 'env' | 'label' | 'expose' | 'volume' | 'user' | 'workdir' | 'cmd' | 'entrypoint' | 'shell'
  | 'stopsignal' | 'healthcheck' | 'maintainer' | 'onbuild' | 'arg';

/** An instruction that changes the config only; nothing runs. */
export interface ConfigStep extends StepCommon {
  readonly kind: 'config';
  readonly instruction: ConfigInstruction;
}

/** One planned instruction. */
export type Step = RunStep | CopyStep | WorkdirStep | ConfigStep;
