/**
 * Errors specific to running containers. Everything else the executor raises
 * comes from util/errors.ts.
 */
import { FailedPreconditionError } from '../util/errors.js';

/**
 * Docker's exit codes for a process that never ran: 125 when the runtime
 * itself failed, 126 when the command could not be invoked, 127 when it was
 * not found (https://docs.docker.com/engine/containers/run/#exit-status).
 */
export type StartExitCode = 125 | 126 | 127;

/**
 * The container's process never started: the command was not found or could
 * not be executed, or the OCI runtime failed. The message is the runtime's
 * (or kiln's equivalent), e.g. `exec: "nope": executable file not found in $PATH`;
 * `exitCode` is what `docker run` would exit with.
 */
export class ContainerStartError extends FailedPreconditionError {
  readonly exitCode: StartExitCode;
  constructor(message: string, exitCode: StartExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/**
 * Maps an OCI runtime's start-failure message to a {@link ContainerStartError},
 * stripping runc's wrapper prefixes so the message reads like Docker's.
 */
export function startErrorFromRuntime(message: string): ContainerStartError {
  const msg = message
    .replace(/^(runc|crun) (run|create|start) failed: /, '')
    .replace(/^unable to start container process: /, '')
    .trim();
  return new ContainerStartError(msg, startExitCode(msg));
}

function startExitCode(msg: string): StartExitCode {
  // runc: `exec: "x": executable file not found in $PATH`, `exec: "/x": stat /x: no such file or directory`;
  // crun: "executable file `x` not found in $PATH: No such file or directory".
  if (/^exec: ".*": (executable file not found in \$PATH|stat .*: no such file or directory)/.test(msg)) return 127;
  if (/^executable file `.*` not found/.test(msg)) return 127;
  if (/^exec: |^open executable: |^exec(ve)? `.*`: /.test(msg)) return 126;
  return 125;
}
