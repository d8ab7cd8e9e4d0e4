import type { Range } from '../../parser/runtime.js';
import { KilnError } from '../../util/errors.js';

/**
 * A RUN step's process exited non-zero. The message is BuildKit's:
 * `process "/bin/sh -c make" did not complete successfully: exit code: 2`,
 * plus a hint when the disk under kiln's root filled up while it ran (the
 * process saw ENOSPC; kiln only sees its exit code).
 */
export class ExitError extends KilnError {
  readonly code = 'EXIT';
  readonly exitCode: number;
  /** The root whose file system was full when the process exited; undefined when it was not. */
  readonly fullRoot: string | undefined;
  constructor(args: readonly string[], exitCode: number, fullRoot?: string) {
    const hint = fullRoot === undefined ? '' : ` (no space left on device while running it, free space under ${fullRoot})`;
    super(`process ${JSON.stringify(args.join(' '))} did not complete successfully: exit code: ${exitCode}${hint}`);
    this.exitCode = exitCode;
    this.fullRoot = fullRoot;
  }
}

/** A build step failed: the step's error, located at its Dockerfile lines. */
export class BuildStepError extends KilnError {
  readonly code = 'VERTEX';
  readonly filename: string;
  readonly range: Range;
  constructor(message: string, filename: string, range: Range, options?: { cause?: unknown }) {
    super(message, options);
    this.filename = filename;
    this.range = range;
  }
}
