/** What every command gets from the CLI: where to write, and sources for error frames. */
export interface CliContext {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly readStdin: () => Promise<string>;
  /** Remembers a source text so an error pointing into it can show a code frame. */
  readonly addSource: (filename: string, text: string) => void;
  /** Sets kiln's exit code when the command succeeds (e.g. `kiln run` passes on the container's). */
  readonly setExitCode: (code: number) => void;
}
