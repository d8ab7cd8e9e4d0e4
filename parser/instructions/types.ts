/**
 * Typed Dockerfile commands: what each instruction means, checked like
 * BuildKit's `frontend/dockerfile/instructions`. Values are kept as written:
 * variables are expanded later, by the frontend, in the scope of the stage.
 * See https://docs.docker.com/reference/dockerfile/
 */
import type { Instruction, Range, Word } from '../types.js';
import type { Mount } from './mount.js';

/** Fields every command has: where it is and the syntax node it came from. */
interface CommandBase {
  /** The instruction's range (keyword to the end of its last line, heredocs included). */
  readonly range: Range;
  readonly source: Instruction;
}

/**
 * A value that can only be checked once variables are expanded. When the text
 * holds nothing expansion could change (`$`, quotes, escapes) it is checked at
 * parse time and `resolved` is true; otherwise the frontend expands `text` and
 * calls the matching parser (`parseMount`, `parsePortSpec`).
 */
export type Resolvable<T> =
  | { readonly resolved: true; readonly value: T; readonly text: string; readonly range: Range }
  | { readonly resolved: false; readonly text: string; readonly range: Range };

/** A command line: exec form (JSON array) or shell form (run through SHELL). */
export type CommandLine =
  | { readonly form: 'exec'; readonly args: readonly string[] }
  | { readonly form: 'shell'; readonly script: string };

/** `FROM [--platform=P] image [AS name]` — https://docs.docker.com/reference/dockerfile/#from */
export interface FromCommand extends CommandBase {
  readonly kind: 'from';
  readonly image: string;
  /** The stage name, lowercased; `null` without `AS`. */
  readonly stageName: string | null;
  readonly platform: string | null;
}

/** A here-document used as a RUN script (its body is not chomped yet). */
export interface HeredocFile {
  readonly name: string;
  readonly content: string;
  /** `<<-`: strip leading tabs before use. */
  readonly chomp: boolean;
  /** False when the delimiter was quoted: the body is not expanded. */
  readonly expand: boolean;
}

/** RUN's `--network` values — https://docs.docker.com/reference/dockerfile/#run---network */
export type NetworkMode = 'default' | 'none' | 'host';
/** RUN's `--security` values — https://docs.docker.com/reference/dockerfile/#run---security */
export type SecurityMode = 'sandbox' | 'insecure';

/** `RUN` — https://docs.docker.com/reference/dockerfile/#run */
export interface RunCommand extends CommandBase {
  readonly kind: 'run';
  readonly command: CommandLine;
  readonly heredocs: readonly HeredocFile[];
  /** One per `--mount`, in order. */
  readonly mounts: readonly Resolvable<Mount>[];
  readonly network: NetworkMode;
  readonly security: SecurityMode;
}

/** `CMD` — https://docs.docker.com/reference/dockerfile/#cmd */
export interface CmdCommand extends CommandBase {
  readonly kind: 'cmd';
  readonly command: CommandLine;
}

/** `ENTRYPOINT` — https://docs.docker.com/reference/dockerfile/#entrypoint */
export interface EntrypointCommand extends CommandBase {
  readonly kind: 'entrypoint';
  readonly command: CommandLine;
}

/** `SHELL ["exe", "arg"]` — https://docs.docker.com/reference/dockerfile/#shell */
export interface ShellCommand extends CommandBase {
  readonly kind: 'shell';
  readonly shell: readonly string[];
}

/** A COPY/ADD source given inline as a here-document (body already chomped). */
export interface InlineSource {
  /** The heredoc name, used as the file name. */
  readonly path: string;
  readonly data: string;
  readonly expand: boolean;
}

/** What COPY and ADD share. */
interface CopyBase extends CommandBase {
  /** Source paths or URLs, in order (heredoc sources are in `inline`). */
  readonly sources: readonly Word[];
  readonly inline: readonly InlineSource[];
  readonly dest: Word;
  readonly chown: string | null;
  readonly chmod: string | null;
  readonly link: boolean;
  /** `--exclude` patterns, in order. */
  readonly excludes: readonly string[];
}

/** `COPY` — https://docs.docker.com/reference/dockerfile/#copy */
export interface CopyCommand extends CopyBase {
  readonly kind: 'copy';
  /** `--from`: a stage name, index or image; `null` for the build context. */
  readonly from: string | null;
  readonly parents: boolean;
}

/** `ADD` — https://docs.docker.com/reference/dockerfile/#add */
export interface AddCommand extends CopyBase {
  readonly kind: 'add';
  readonly checksum: string | null;
  /** `--keep-git-dir`; `null` when not given. */
  readonly keepGitDir: boolean | null;
  /** `--unpack`; `null` when not given (archives from the context are unpacked). */
  readonly unpack: boolean | null;
}

/** One `KEY=value` of ENV or LABEL, as written (quotes kept). */
export interface KeyValuePair {
  readonly key: string;
  readonly value: string;
  /** The legacy `ENV KEY value` form. */
  readonly legacy: boolean;
  readonly range: Range;
}

/** `ENV` — https://docs.docker.com/reference/dockerfile/#env */
export interface EnvCommand extends CommandBase {
  readonly kind: 'env';
  readonly pairs: readonly KeyValuePair[];
}

/** `LABEL` — https://docs.docker.com/reference/dockerfile/#label */
export interface LabelCommand extends CommandBase {
  readonly kind: 'label';
  readonly pairs: readonly KeyValuePair[];
}

/** One `name[=default]` of ARG. */
export interface ArgDefinition {
  readonly name: string;
  readonly default: string | null;
  readonly range: Range;
}

/** `ARG` — https://docs.docker.com/reference/dockerfile/#arg */
export interface ArgCommand extends CommandBase {
  readonly kind: 'arg';
  readonly args: readonly ArgDefinition[];
}

/** A port a container listens on. */
export interface ExposedPort {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
}

/** `EXPOSE` — https://docs.docker.com/reference/dockerfile/#expose */
export interface ExposeCommand extends CommandBase {
  readonly kind: 'expose';
  /** One per word, sorted by text like BuildKit; a range like `80-82` gives several ports. */
  readonly ports: readonly Resolvable<readonly ExposedPort[]>[];
}

/** `VOLUME` — https://docs.docker.com/reference/dockerfile/#volume */
export interface VolumeCommand extends CommandBase {
  readonly kind: 'volume';
  /** Trimmed paths; ranges are those of the words. */
  readonly volumes: readonly Word[];
}

/** `USER` — https://docs.docker.com/reference/dockerfile/#user */
export interface UserCommand extends CommandBase {
  readonly kind: 'user';
  readonly user: string;
}

/** `WORKDIR` — https://docs.docker.com/reference/dockerfile/#workdir */
export interface WorkdirCommand extends CommandBase {
  readonly kind: 'workdir';
  readonly path: string;
}

/** `STOPSIGNAL` — https://docs.docker.com/reference/dockerfile/#stopsignal */
export interface StopSignalCommand extends CommandBase {
  readonly kind: 'stopsignal';
  readonly signal: string;
}

/**
 * A container health check, in image-config terms: durations in nanoseconds
 * and 0 for "not set" (the runtime default).
 */
export type Healthcheck =
  | { readonly type: 'none' }
  | {
      readonly type: 'cmd';
      /** `['CMD', ...args]` (exec form) or `['CMD-SHELL', script]`. */
      readonly test: readonly string[];
      readonly interval: number;
      readonly timeout: number;
      readonly startPeriod: number;
      readonly startInterval: number;
      readonly retries: number;
    };

/** `HEALTHCHECK` — https://docs.docker.com/reference/dockerfile/#healthcheck */
export interface HealthcheckCommand extends CommandBase {
  readonly kind: 'healthcheck';
  readonly health: Healthcheck;
}

/** `MAINTAINER` (deprecated) — https://docs.docker.com/reference/dockerfile/#maintainer-deprecated */
export interface MaintainerCommand extends CommandBase {
  readonly kind: 'maintainer';
  readonly maintainer: string;
}

/** `ONBUILD` — https://docs.docker.com/reference/dockerfile/#onbuild */
export interface OnbuildCommand extends CommandBase {
  readonly kind: 'onbuild';
  /** The trigger as stored in the image config: the line after `ONBUILD`, plus heredoc bodies. */
  readonly expression: string;
  readonly trigger: Instruction;
}

/** Every typed command; `kind` is the lowercase instruction name. */
export type Command =
  | FromCommand
  | RunCommand
  | CmdCommand
  | EntrypointCommand
  | ShellCommand
  | CopyCommand
  | AddCommand
  | EnvCommand
  | LabelCommand
  | ArgCommand
  | ExposeCommand
  | VolumeCommand
  | UserCommand
  | WorkdirCommand
  | StopSignalCommand
  | HealthcheckCommand
  | MaintainerCommand
  | OnbuildCommand;

/** A command inside a stage (anything but FROM). */
export type StageCommand = Exclude<Command, FromCommand>;

/** A build stage: a FROM and the commands up to the next FROM. */
export interface Stage {
  /** The lowercased `AS` name, or `null`. */
  readonly name: string | null;
  /** Position among the stages, from 0. */
  readonly index: number;
  readonly from: FromCommand;
  readonly commands: readonly StageCommand[];
  /** From the FROM keyword to the end of the stage's last command. */
  readonly range: Range;
}

/** {@link parseStages}' result: ARGs before the first FROM, then the stages. */
export interface Stages {
  readonly globalArgs: readonly ArgCommand[];
  readonly stages: readonly Stage[];
  /** Problems BuildKit only warns about (e.g. a stage name used twice). */
  readonly warnings: readonly { readonly message: string; readonly range: Range }[];
}
