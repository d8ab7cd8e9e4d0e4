/**
 * One frame of the tty display, as lines (no escapes for cursor movement):
 *
 *     [+] Building 3.2s (5/9)
 *      => CACHED [base 1/3] FROM docker.io/library/alpine:3.19      0.0s
 *      => [build 2/4] RUN make                                      1.2s
 *      => => # cc -c main.c
 *
 * Laid out like BuildKit's ttyDisplay: timers right-aligned, finished jobs
 * blue (red on error, yellow when canceled), running jobs followed by their
 * last log lines dimmed. Every line is cut to the terminal width minus one
 * column, so nothing wraps and the redraw's line count stays true.
 */
import { oneLine } from './format.js';
import type { Job, JobState } from './state.js';
import { align, sanitize, truncate } from './text.js';

/** What a frame depends on besides the jobs. */
export interface FrameOptions {
  readonly now: number;
  /** When the build started (the renderer's creation). */
  readonly startedAt: number;
  /** Terminal columns. */
  readonly width: number;
  /** Terminal rows; a live frame keeps within them. Undefined: no limit. */
  readonly height: number | undefined;
  /** The summary after the build: every job, no log lines, no height limit. */
  readonly final: boolean;
  /** The build succeeded (the final header says FINISHED). */
  readonly ok: boolean;
  readonly color: boolean;
  /** Log lines shown under a running job. */
  readonly tailLines: number;
}

const SGR = { blue: '\x1b[34m', red: '\x1b[31m', yellow: '\x1b[33m', faint: '\x1b[2m', reset: '\x1b[0m' } as const;

interface Entry {
  readonly running: boolean;
  readonly head: readonly string[];
  readonly tail: readonly string[];
}

/** Lays out the frame; `partial` gives a running job's unfinished line. */
export function composeFrame(jobs: readonly Job[], partial: (job: Job) => string, o: FrameOptions): string[] {
  const cols = Math.max(1, o.width - 1);
  const finished = jobs.filter((j) => j.state !== 'running').length;
  const done = o.final && o.ok && jobs.length > 0 && finished === jobs.length ? ' FINISHED' : '';
  const header = truncate(`[+] Building ${secs(o.now - o.startedAt)} (${finished}/${jobs.length})${done}`, cols);
  const entries = jobs.map((job): Entry => ({
    running: job.state === 'running',
    head: [jobLine(job, o, cols), ...job.statuses.map((s) => paint(align(` => => ${sanitize(s.id)}`, secs((s.endedAt ?? o.now) - s.startedAt), cols), job.state, o.color))],
    tail: job.state === 'running' && !o.final ? tailLines(job, partial(job), o, cols) : [],
  }));
  if (o.final || o.height === undefined) return [header, ...entries.flatMap((e) => [...e.head, ...e.tail])];
  return [header, ...fit(entries, Math.max(0, o.height - 2))];
}

/**
 * Keeps a live frame within `budget` lines. What is running matters most:
 * running steps first, then their log lines, then the most recent finished
 * steps; what is kept stays in order.
 */
function fit(entries: readonly Entry[], budget: number): string[] {
  let room = budget;
  const heads = new Set<Entry>();
  const tails = new Set<Entry>();
  const take = (set: Set<Entry>, e: Entry, n: number): void => {
    if (n > 0 && n <= room) {
      set.add(e);
      room -= n;
    }
  };
  for (const e of entries) if (e.running) take(heads, e, e.head.length);
  for (const e of entries) if (heads.has(e)) take(tails, e, e.tail.length);
  for (const e of [...entries].reverse()) if (!e.running) take(heads, e, e.head.length);
  return entries.flatMap((e) => [...(heads.has(e) ? e.head : []), ...(tails.has(e) ? e.tail : [])]);
}

function jobLine(job: Job, o: FrameOptions, cols: number): string {
  const ms = job.state === 'running' ? o.now - (job.startedAt ?? o.now) : job.durationMs;
  return paint(align(` => ${LABEL[job.state]}${sanitize(oneLine(job.name))}`, secs(ms), cols), job.state, o.color);
}

const LABEL: Readonly<Record<JobState, string>> = { running: '', cached: 'CACHED ', done: '', error: 'ERROR ', canceled: 'CANCELED ' };

function tailLines(job: Job, partial: string, o: FrameOptions, cols: number): string[] {
  const texts = job.tail.map((l) => l.text);
  if (partial !== '') texts.push(partial);
  return texts.slice(-o.tailLines).map((t) => {
    const line = truncate(` => => # ${sanitize(t)}`, cols);
    return o.color ? `${SGR.faint}${line}${SGR.reset}` : line;
  });
}

/** BuildKit's colors: finished blue, errors red, canceled yellow, running plain. */
function paint(line: string, state: JobState, color: boolean): string {
  if (!color || state === 'running') return line;
  const c = state === 'error' ? SGR.red : state === 'canceled' ? SGR.yellow : SGR.blue;
  return `${c}${line}${SGR.reset}`;
}

/** `1.2s`; under 50 ms shows as 0.0s, as BuildKit does. */
function secs(ms: number): string {
  return `${(ms < 50 ? 0 : ms / 1000).toFixed(1)}s`;
}
