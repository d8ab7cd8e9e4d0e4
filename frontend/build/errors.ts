import { KilnError } from '../../util/errors.js';

/**
 * A RUN step's process exited non-zero. The message is BuildKit's:
 * `process "/bin/sh -c make" did not complete successfully: exit code: 2`.
 */
export class ExitError extends KilnError {
  readonly code = 'EXIT';
  readonly exitCode: number;
  constructor(args: readonly string[], exitCode: number) {
    super(`process ${JSON.stringify(args.join(' '))} did not complete successfully: exit code: ${exitCode}`);
    this.exitCode = exitCode;
  }
}
