/**
 * The numbers and closing blocks plain and tty output share, in BuildKit's
 * formats (util/progress/progressui in moby/buildkit).
 */
import type { LogLine } from './lines.js';
import type { Job } from './state.js';

/** A log line's offset from its vertex's start: 3 decimals under 10 s, 2 under 100 s, else 1 (BuildKit). */
export function logOffset(ms: number): string {
  const sec = Math.max(0, ms) / 1000;
  return sec.toFixed(sec < 10 ? 3 : sec < 100 ? 2 : 1);
}

/** A duration as `0.3s`. */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** A log line as plain output and error blocks show it: `0.123 text`. */
export function logLine(job: Job, line: LogLine): string {
  return `${logOffset(line.time - (job.startedAt ?? line.time))} ${line.text}`;
}

/** A one-line name: a heredoc vertex name must not break the `#N` prefix of the lines after it. */
export function oneLine(name: string): string {
  return name.replace(/\r?\n/g, ' ');
}

/**
 * The block BuildKit prints at the end for each failed vertex: its name and
 * its last output lines between `------` rules (canceled ones are skipped).
 */
export function errorBlocks(jobs: readonly Job[]): string {
  let out = '';
  for (const job of jobs) {
    if (job.state !== 'error') continue;
    out += `------\n > ${oneLine(job.name)}:\n`;
    for (const line of job.tail) out += `${logLine(job, line)}\n`;
    out += '------\n';
  }
  return out;
}

/** Warnings after the build, as buildx lists them. */
export function warningBlock(warnings: readonly string[]): string {
  if (warnings.length === 0) return '';
  const n = warnings.length;
  return `\n ${n} warning${n === 1 ? '' : 's'} found:\n${warnings.map((w) => ` - ${w}\n`).join('')}`;
}
