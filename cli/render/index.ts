/**
 * Progress renderers: the only code that prints during a build (STYLE rule
 * 14). The solver and kiln's own phases emit {@link RenderEvent}s; a renderer
 * draws them in one of the `--progress` modes. Progress goes to stderr, as
 * BuildKit's does; only quiet mode's image id goes to stdout.
 */
import { systemClock, type Clock } from './clock.js';
import { assertNever, type OutputStream, type RenderMode, type Renderer } from './events.js';
import { JsonRenderer } from './json.js';
import { PlainRenderer } from './plain.js';
import { QuietRenderer } from './quiet.js';
import { TtyRenderer } from './tty.js';

export type { Clock, Timer } from './clock.js';
export { systemClock } from './clock.js';
export type {
  BuildEvent,
  BuildResult,
  BuildStepCanceledEvent,
  BuildStepCompletedEvent,
  BuildStepErrorEvent,
  BuildStepStartedEvent,
  BuildStepStatusEvent,
  BuildWarningEvent,
  OutputStream,
  RenderEvent,
  RenderMode,
  Renderer,
} from './events.js';
export { JsonRenderer } from './json.js';
export { PlainRenderer } from './plain.js';
export { QuietRenderer } from './quiet.js';
export { TtyRenderer, type TtyOptions } from './tty.js';

/** The streams a renderer may write to. */
export interface RenderStreams {
  /** stdout: quiet mode's image id. */
  readonly out: OutputStream;
  /** stderr: progress; `auto` checks whether it is a terminal. */
  readonly err: OutputStream;
}

/** Options for {@link createRenderer}. */
export interface RenderOptions {
  /** Time source (tests pass a fake). */
  readonly clock?: Clock;
  /** Colors in tty mode; the CLI passes false for NO_COLOR. Default true. */
  readonly color?: boolean;
}

/** The renderer for a `--progress` mode; `auto` is `tty` when stderr is a terminal, else `plain`. */
export function createRenderer(mode: RenderMode, streams: RenderStreams, options: RenderOptions = {}): Renderer {
  const clock = options.clock ?? systemClock;
  switch (mode) {
    case 'auto':
      return createRenderer(streams.err.isTTY === true ? 'tty' : 'plain', streams, options);
    case 'tty':
      return new TtyRenderer(streams.err, { clock, color: options.color ?? true });
    case 'plain':
      return new PlainRenderer(streams.err);
    case 'json':
      return new JsonRenderer(streams.err, clock);
    case 'quiet':
      return new QuietRenderer(streams.out);
    default:
      return assertNever(mode);
  }
}
