import { KilnError } from '../../util/errors.js';

/**
 * A word that BuildKit's shell lexer would refuse: an unterminated quote, a
 * malformed `${...}`, an unsupported modifier, or a `${VAR?message}` check
 * that failed.
 *
 * `message` is BuildKit's own text for the failure (for example
 * `syntax error: bad substitution`). BuildKit reports it to users wrapped as
 * `failed to process "<word>": <message>`; `word` holds the input so a caller
 * can do the same.
 */
export class ShellExpansionError extends KilnError {
  readonly code = 'SHELL_EXPANSION';
  /** The word being expanded when the error occurred; set once the top-level call fails. */
  word: string | undefined;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
