/**
 * kiln's exit codes, docker's where docker has one:
 * 0 ok; 1 a failed build or command; 2 a usage error (bad flag or value, bad
 * tag, bad --build-arg, unreadable --secret); for `kiln run`, 125 when kiln
 * itself failed (bad flag, image missing and not pullable), 126/127 when the
 * command could not be run or was not found, else the container's own code;
 * 128+N after signal N (130 after SIGINT, 143 after SIGTERM).
 * https://docs.docker.com/engine/containers/run/#exit-status
 */
import { constants } from 'node:os';
import { CommanderError } from 'commander';
import { InvalidArgumentError } from '../util/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** `kiln run` failed before or around the container (docker run's 125). */
export const EXIT_RUN_FAILED = 125;

/** Where the command line was when an error came. */
export interface ExitState {
  /** The subcommand being run (`build`, `run`, …), once known. */
  readonly command: string | undefined;
  /** False while commander reads flags and the up-front checks run; true once the command's work began. */
  readonly working: boolean;
  /** The first SIGINT/SIGTERM received, if any. */
  readonly signal: NodeJS.Signals | undefined;
}

/** 128 + the signal's number, as shells report a process a signal ended. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** The exit code for a command that ended with `err` (or without, when undefined, with `code`). */
export function exitCodeFor(err: unknown, state: ExitState, code = 0): number {
  // The hidden supervisor of a detached container (`container supervise`) reports its container's code, signal or not.
  if (state.signal !== undefined && state.command !== 'container') return signalExitCode(state.signal);
  if (err === undefined) return code;
  const run = state.command === 'run';
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : run ? EXIT_RUN_FAILED : EXIT_USAGE;
  if (run) return startCode(err) ?? EXIT_RUN_FAILED;
  if (!state.working && err instanceof InvalidArgumentError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** A container start failure's docker code (125/126/127) carried as `exitCode`. */
function startCode(err: unknown): number | undefined {
  return err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : undefined;
}
