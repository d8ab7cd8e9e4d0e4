/**
 * The build as renderers see it: one {@link Job} per vertex or build step, in
 * order of first appearance (that order gives plain output its `#N`), with
 * its state, timings, last log lines and sub-task statuses. Pure data; the
 * renderers decide how to draw it.
 */
import type { VertexRef } from '../../solver/index.js';
import { assertNever, type RenderEvent } from './events.js';
import { LineSplitter, type LogLine } from './lines.js';

/** Where a job stands. A cached vertex may still be started later (see solver/progress.ts). */
export type JobState = 'running' | 'cached' | 'done' | 'error' | 'canceled';

/** A sub-task of a build step (`exporting layers`). */
export interface StepStatus {
  readonly id: string;
  readonly startedAt: number;
  endedAt: number | undefined;
}

/** A vertex or a build step. */
export interface Job {
  readonly key: string;
  /** 1-based, in order of first appearance: BuildKit's `#N`. */
  readonly index: number;
  name: string;
  state: JobState;
  /** Time of its start event; undefined for a job that never started (cached, failed cache map). */
  startedAt: number | undefined;
  /** Final duration once it ended. */
  durationMs: number;
  /** The error message once it failed. */
  message: string;
  /** The last {@link TAIL_LINES} complete log lines. */
  readonly tail: LogLine[];
  readonly statuses: StepStatus[];
  readonly streams: Map<string, LineSplitter>;
}

/** How many log lines a job keeps (shown under a failed step, as BuildKit does). */
export const TAIL_LINES = 10;

/** What one event changed: the job it touched, the log lines it completed, the status it touched. */
export interface Applied {
  readonly job: Job | undefined;
  readonly lines: readonly LogLine[];
  readonly status: StepStatus | undefined;
}

const NOTHING: Applied = { job: undefined, lines: [], status: undefined };

/** Folds events into jobs. */
export class JobTracker {
  readonly jobs: Job[] = [];
  readonly warnings: string[] = [];
  readonly #byKey = new Map<string, Job>();

  /** Applies one event. */
  apply(ev: RenderEvent): Applied {
    switch (ev.type) {
      case 'vertex.started':
      case 'build.step.started': {
        const job = ev.type === 'vertex.started' ? this.#vertex(ev.vertex) : this.#job(`s:${ev.step}`, ev.name);
        if (ev.type === 'build.step.started') job.name = ev.name;
        job.state = 'running';
        job.startedAt = ev.time;
        return { job, lines: [], status: undefined };
      }
      case 'vertex.cached': {
        const job = this.#vertex(ev.vertex);
        job.state = 'cached';
        job.durationMs = 0;
        return { job, lines: [], status: undefined };
      }
      case 'vertex.log': {
        const job = this.#vertex(ev.vertex);
        let s = job.streams.get(ev.stream);
        if (s === undefined) job.streams.set(ev.stream, (s = new LineSplitter()));
        return { job, lines: keep(job, s.push(ev.data, ev.time)), status: undefined };
      }
      case 'vertex.completed':
        return this.#end(this.#vertex(ev.vertex), 'done', ev.durationMs, '');
      case 'vertex.error':
        return this.#end(this.#vertex(ev.vertex), 'error', ev.durationMs, ev.message);
      case 'vertex.canceled':
        return this.#end(this.#vertex(ev.vertex), 'canceled', ev.durationMs, '');
      case 'build.step.completed':
        return this.#end(this.#job(`s:${ev.step}`, ev.step), 'done', ev.durationMs, '');
      case 'build.step.error':
        return this.#end(this.#job(`s:${ev.step}`, ev.step), 'error', ev.durationMs, ev.message);
      case 'build.step.canceled':
        return this.#end(this.#job(`s:${ev.step}`, ev.step), 'canceled', ev.durationMs, '');
      case 'build.step.status':
        return this.#status(this.#job(`s:${ev.step}`, ev.step), ev.status, ev.done, ev.time);
      case 'build.warning':
        this.warnings.push(ev.message);
        return NOTHING;
      default:
        return assertNever(ev);
    }
  }

  /** Ends the unfinished lines of every job (the build is over). */
  flushAll(): { job: Job; lines: LogLine[] }[] {
    return this.jobs.map((job) => ({ job, lines: keep(job, flushStreams(job)) })).filter((x) => x.lines.length > 0);
  }

  /** The unfinished line a running job shows now (of the first stream that has one); '' when none. */
  partial(job: Job): string {
    for (const s of job.streams.values()) if (s.partial() !== '') return s.partial();
    return '';
  }

  #job(key: string, name: string): Job {
    let job = this.#byKey.get(key);
    if (job === undefined) {
      job = { key, index: this.jobs.length + 1, name, state: 'running', startedAt: undefined, durationMs: 0, message: '', tail: [], statuses: [], streams: new Map() };
      this.#byKey.set(key, job);
      this.jobs.push(job);
    }
    return job;
  }

  #vertex(v: VertexRef): Job {
    return this.#job(`v:${v.digest}`, v.name);
  }

  /** A job's end flushes its unfinished lines first, so they print before `DONE`/`ERROR`. */
  #end(job: Job, state: 'done' | 'error' | 'canceled', durationMs: number, message: string): Applied {
    const lines = keep(job, flushStreams(job));
    job.state = state;
    job.durationMs = durationMs;
    job.message = message;
    return { job, lines, status: undefined };
  }

  #status(job: Job, id: string, done: boolean, time: number): Applied {
    let st = job.statuses.find((s) => s.id === id && s.endedAt === undefined);
    if (st === undefined) job.statuses.push((st = { id, startedAt: time, endedAt: done ? time : undefined }));
    else if (done) st.endedAt = time;
    return { job, lines: [], status: st };
  }
}

function flushStreams(job: Job): LogLine[] {
  return [...job.streams.values()].flatMap((s) => s.flush());
}

/** Records lines in the job's tail and passes them on. */
function keep(job: Job, lines: LogLine[]): LogLine[] {
  job.tail.push(...lines);
  if (job.tail.length > TAIL_LINES) job.tail.splice(0, job.tail.length - TAIL_LINES);
  return lines;
}
