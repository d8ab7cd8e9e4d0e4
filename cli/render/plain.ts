/**
 * Plain progress for CI logs, modelled on BuildKit's `--progress=plain`
 * (printer.go in moby/buildkit's progressui):
 *
 *     #3 [build 2/4] RUN make
 *     #3 0.052 cc -c main.c
 *     #3 DONE 0.3s
 *
 * Every vertex and build step gets `#N` in order of first appearance; groups
 * are separated by a blank line; when another vertex's output interrupts a
 * running one, BuildKit's `#N ...` marks the gap and the header is repeated
 * when it resumes. Lines are printed when complete; an unfinished line is
 * printed when its vertex ends.
 */
import { assertNever, writeFlushed, type BuildResult, type OutputStream, type RenderEvent, type Renderer } from './events.js';
import { errorBlocks, logLine, oneLine, seconds, warningBlock } from './format.js';
import type { LogLine } from './lines.js';
import { JobTracker, type Job, type StepStatus } from './state.js';

/** Renders BuildKit-style plain progress to `out` (stderr in the CLI). */
export class PlainRenderer implements Renderer {
  readonly #out: OutputStream;
  readonly #tracker = new JobTracker();
  /** The job whose lines are being printed; undefined after one ended. */
  #current: Job | undefined;
  #printed = false;
  #closed = false;

  constructor(out: OutputStream) {
    this.#out = out;
  }

  write(ev: RenderEvent): void {
    if (this.#closed) return;
    const { job, lines, status } = this.#tracker.apply(ev);
    if (job === undefined) return;
    let s = '';
    switch (ev.type) {
      case 'vertex.started':
      case 'build.step.started':
        s = this.#switchTo(job);
        break;
      case 'vertex.log':
        s = this.#lines(job, lines);
        break;
      case 'build.step.status':
        s = this.#switchTo(job) + (status === undefined ? '' : statusLine(job, status));
        break;
      case 'vertex.cached':
        s = this.#end(job, lines, 'CACHED');
        break;
      case 'vertex.completed':
      case 'build.step.completed':
        s = this.#end(job, lines, `DONE ${seconds(ev.durationMs)}`);
        break;
      case 'vertex.error':
      case 'build.step.error':
        s = this.#end(job, lines, `ERROR: ${ev.message}`);
        break;
      case 'vertex.canceled':
      case 'build.step.canceled':
        s = this.#end(job, lines, 'CANCELED');
        break;
      case 'build.warning':
        break;
      default:
        assertNever(ev);
    }
    if (s !== '') this.#out.write(s);
  }

  async done(result: BuildResult): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let s = '';
    for (const { job, lines } of this.#tracker.flushAll()) s += this.#lines(job, lines);
    if (!result.ok) s += errorBlocks(this.#tracker.jobs);
    s += warningBlock(this.#tracker.warnings);
    await writeFlushed(this.#out, s);
  }

  /** Makes `job` the current group: marks the interrupted one, separates, prints the header. */
  #switchTo(job: Job): string {
    if (this.#current === job) return '';
    let s = '';
    if (this.#current !== undefined) s += `#${this.#current.index} ...\n`;
    if (this.#printed) s += '\n';
    this.#printed = true;
    this.#current = job;
    return `${s}#${job.index} ${oneLine(job.name)}\n`;
  }

  #lines(job: Job, lines: readonly LogLine[]): string {
    if (lines.length === 0) return '';
    return this.#switchTo(job) + lines.map((l) => `#${job.index} ${logLine(job, l)}\n`).join('');
  }

  /** The job's last lines and its final word; the next job starts a new group. */
  #end(job: Job, lines: readonly LogLine[], word: string): string {
    const s = this.#switchTo(job) + this.#lines(job, lines) + `#${job.index} ${word}\n`;
    this.#current = undefined;
    return s;
  }
}

/** `#6 exporting layers`, then `#6 exporting layers 0.1s done` (the time only when above 10 ms, as BuildKit). */
function statusLine(job: Job, st: StepStatus): string {
  if (st.endedAt === undefined) return `#${job.index} ${st.id}\n`;
  const ms = st.endedAt - st.startedAt;
  return `#${job.index} ${st.id}${ms > 10 ? ` ${seconds(ms)}` : ''} done\n`;
}
