/**
 * What the renderers draw (the builder's progress events, frontend/builder/progress.ts)
 * and the {@link Renderer} contract every output mode implements.
 *
 * Lifecycle of a renderer: `write` any number of events (never throws, never
 * blocks), then `done` exactly once with the build's result; `done` prints the
 * final lines (summary, error logs, warnings or the image id), stops any timer
 * and resolves once the output has been handed to the stream. Events written
 * after `done` are ignored.
 */
import type { BuildProgress, BuildProgressEvent } from '../../frontend/index.js';

/** The build's own events are the builder's (frontend/builder/progress.ts); renderers draw them. */
export type {
  BuildEvent,
  BuildStepCanceledEvent,
  BuildStepCompletedEvent,
  BuildStepErrorEvent,
  BuildStepStartedEvent,
  BuildStepStatusEvent,
  BuildWarningEvent,
} from '../../frontend/index.js';

/** Everything a renderer accepts. */
export type RenderEvent = BuildProgressEvent;

/** How the build ended; `imageId` is absent when nothing was exported to the store. */
export type BuildResult =
  | { readonly ok: true; readonly imageId?: string; readonly durationMs: number }
  | { readonly ok: false; readonly error: unknown };

/**
 * A progress renderer: the only thing that prints during a build. It takes
 * what a build reports ({@link BuildProgress}): the solver's events and the build's own.
 */
export interface Renderer extends BuildProgress {
  /** Draws one event; must not throw and must not block. Ignored after `done`. */
  write(ev: RenderEvent): void;
  /** Prints the final lines, stops timers, resolves when the output is flushed. Call once. */
  done(result: BuildResult): Promise<void>;
}

/** The output modes of `--progress`. */
export type RenderMode = 'auto' | 'plain' | 'tty' | 'json' | 'quiet';

/**
 * Where renderers write: a Node `Writable` (process.stdout/stderr) fits.
 * `isTTY`, `columns` and `rows` are read on each redraw, so resizes are seen.
 */
export interface OutputStream {
  write(chunk: string, callback?: (err?: Error | null) => void): boolean;
  readonly isTTY?: boolean | undefined;
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

/** Exhaustiveness check for closed unions. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** Writes `text` (possibly empty) and resolves once the stream has taken it; stream errors are not ours to report. */
export function writeFlushed(stream: OutputStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      stream.write(text, () => resolve());
    } catch {
      resolve();
    }
  });
}
