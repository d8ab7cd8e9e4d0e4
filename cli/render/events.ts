/**
 * What the renderers draw: the solver's progress events plus a few build-level
 * events for work outside the solver (kiln's own phases, warnings), and the
 * {@link Renderer} contract every output mode implements.
 *
 * Lifecycle of a renderer: `write` any number of events (never throws, never
 * blocks), then `done` exactly once with the build's result; `done` prints the
 * final lines (summary, error logs, warnings or the image id), stops any timer
 * and resolves once the output has been handed to the stream. Events written
 * after `done` are ignored.
 */
import type { ProgressEvent, ProgressWriter } from '../../solver/index.js';

/**
 * One of kiln's own phases began, drawn like a vertex (BuildKit shows
 * `[internal] load build definition from Dockerfile`, `exporting to image`).
 * `step` is an id the emitter picks, unique within the build.
 */
export interface BuildStepStartedEvent {
  readonly type: 'build.step.started';
  readonly step: string;
  readonly name: string;
  readonly time: number;
}

/**
 * A sub-task of a step, identified by its text (as BuildKit's status ids are):
 * `done: false` when it begins, `done: true` when it ends; a lone `done: true`
 * is an instant sub-task (`naming to docker.io/library/app:latest`).
 */
export interface BuildStepStatusEvent {
  readonly type: 'build.step.status';
  readonly step: string;
  readonly status: string;
  readonly done: boolean;
  readonly time: number;
}

/** A step finished successfully. */
export interface BuildStepCompletedEvent {
  readonly type: 'build.step.completed';
  readonly step: string;
  readonly time: number;
  readonly durationMs: number;
}

/** A step failed; `message` is drawn as `#N ERROR: message`. */
export interface BuildStepErrorEvent {
  readonly type: 'build.step.error';
  readonly step: string;
  readonly time: number;
  readonly durationMs: number;
  readonly message: string;
}

/** A step was stopped because the build was aborted. */
export interface BuildStepCanceledEvent {
  readonly type: 'build.step.canceled';
  readonly step: string;
  readonly time: number;
  readonly durationMs: number;
}

/** Something the user should fix but that does not stop the build (an unused `--build-arg`). */
export interface BuildWarningEvent {
  readonly type: 'build.warning';
  readonly message: string;
  readonly time: number;
}

/** Build-level events; a closed union: switch on `type` with a `never` default. */
export type BuildEvent =
  | BuildStepStartedEvent
  | BuildStepStatusEvent
  | BuildStepCompletedEvent
  | BuildStepErrorEvent
  | BuildStepCanceledEvent
  | BuildWarningEvent;

/** Everything a renderer accepts. */
export type RenderEvent = ProgressEvent | BuildEvent;

/** How the build ended; `imageId` is absent when nothing was exported to the store. */
export type BuildResult =
  | { readonly ok: true; readonly imageId?: string; readonly durationMs: number }
  | { readonly ok: false; readonly error: unknown };

/**
 * A progress renderer: the only thing that prints during a build. It is a
 * solver {@link ProgressWriter} that also takes {@link BuildEvent}s.
 */
export interface Renderer extends ProgressWriter {
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
