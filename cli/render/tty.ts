/**
 * Live progress for a terminal, like BuildKit's tty display: a block at the
 * bottom of the screen, redrawn in place at most {@link REFRESH_MS} apart
 * (cursor up over the last frame, clear each line, draw, clear what is left
 * below), laid out by {@link composeFrame}. `done` stops the timer and draws
 * the final summary, then BuildKit's error-log blocks and the warnings.
 */
import { systemClock, type Clock, type Timer } from './clock.js';
import { writeFlushed, type BuildResult, type OutputStream, type RenderEvent, type Renderer } from './events.js';
import { errorBlocks, warningBlock } from './format.js';
import { JobTracker } from './state.js';
import { composeFrame } from './tty-frame.js';

/** 10 Hz at most. */
export const REFRESH_MS = 100;

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const CLEAR_LINE = '\x1b[2K';
const CLEAR_BELOW = '\x1b[J';

/** Options of the tty renderer. */
export interface TtyOptions {
  readonly clock?: Clock;
  /** ANSI colors and dim log lines (off for NO_COLOR). */
  readonly color?: boolean;
  /** Log lines shown under each running step. */
  readonly tailLines?: number;
}

/** Renders live progress to a terminal stream (stderr in the CLI). */
export class TtyRenderer implements Renderer {
  readonly #out: OutputStream;
  readonly #clock: Clock;
  readonly #color: boolean;
  readonly #tailLines: number;
  readonly #tracker = new JobTracker();
  readonly #startedAt: number;
  #timer: Timer | undefined;
  /** Lines of the frame on screen, which the next draw moves up over. */
  #lineCount = 0;
  #lastDraw = -Infinity;
  #closed = false;

  constructor(out: OutputStream, options: TtyOptions = {}) {
    this.#out = out;
    this.#clock = options.clock ?? systemClock;
    this.#color = options.color ?? true;
    this.#tailLines = options.tailLines ?? 6;
    this.#startedAt = this.#clock.now();
  }

  write(ev: RenderEvent): void {
    if (this.#closed) return;
    this.#tracker.apply(ev);
    // The timer starts with the first event, so a renderer that is never used holds nothing.
    this.#timer ??= this.#clock.setInterval(() => this.#tick(), REFRESH_MS);
    if (this.#clock.now() - this.#lastDraw >= REFRESH_MS) this.#draw(false, true);
  }

  /** Redraws for the timers; skipped when an event just drew (the tick and an event can coincide). */
  #tick(): void {
    if (this.#clock.now() - this.#lastDraw >= REFRESH_MS / 2) this.#draw(false, true);
  }

  async done(result: BuildResult): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    let s = this.#frame(true, result.ok);
    if (!result.ok) s += errorBlocks(this.#tracker.jobs);
    s += warningBlock(this.#tracker.warnings);
    await writeFlushed(this.#out, s);
  }

  #draw(final: boolean, ok: boolean): void {
    this.#lastDraw = this.#clock.now();
    this.#out.write(this.#frame(final, ok));
  }

  /** The escapes and lines that replace the frame on screen. */
  #frame(final: boolean, ok: boolean): string {
    const lines = composeFrame(this.#tracker.jobs, (j) => this.#tracker.partial(j), {
      now: this.#clock.now(),
      startedAt: this.#startedAt,
      width: this.#out.columns ?? 80,
      height: this.#out.rows,
      final,
      ok,
      color: this.#color,
      tailLines: this.#tailLines,
    });
    // `ESC[0A` moves one line up in most terminals, so never emit it.
    const up = this.#lineCount > 0 ? `\x1b[${this.#lineCount}A` : '';
    this.#lineCount = lines.length;
    return `${HIDE_CURSOR}${up}\r${lines.map((l) => `${CLEAR_LINE}${l}\n`).join('')}${CLEAR_BELOW}${SHOW_CURSOR}`;
  }
}
