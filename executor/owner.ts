/**
 * Which process owns a bundle: boot id, pid and the process's start time
 * (field 22 of /proc/PID/stat, in clock ticks since boot), so neither a
 * recycled pid nor a reboot makes a dead owner look alive.
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
import { readFile } from 'node:fs/promises';

/** A process identity that survives pid reuse. */
export interface ProcessIdentity {
  readonly boot: string;
  readonly pid: number;
  readonly start: string;
}

let self: Promise<ProcessIdentity> | undefined;

/** This process's identity (read once). */
export function selfIdentity(): Promise<ProcessIdentity> {
  self ??= Promise.all([bootId(), startTime(process.pid)]).then(([boot, start]) => ({ boot, pid: process.pid, start: start ?? '' }));
  return self;
}

/** Whether the process `id` still runs (same boot, pid and start time). */
export async function isAlive(id: ProcessIdentity): Promise<boolean> {
  const [boot, start] = await Promise.all([bootId(), startTime(id.pid)]);
  return boot === id.boot && start !== undefined && start === id.start;
}

/** This boot's random id (/proc/sys/kernel/random/boot_id). */
async function bootId(): Promise<string> {
  return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
}

/** Field 22 (starttime) of /proc/PID/stat; undefined when there is no such process, or only its zombie. */
export async function startTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may contain spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A killed process its parent has not reaped yet holds nothing any more.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}
