/**
 * Reading a json-file log (log-writer.ts) as `docker logs` does: rotated
 * files oldest first, `--since`, `--tail N`, `-t` timestamps, and `-f`,
 * which keeps reading new entries until the container stops.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { ifExists } from '../util/if-exists.js';
import type { LogStream } from './log-writer.js';

/** One entry of the log. */
export interface LogEntry {
  readonly log: string;
  readonly stream: LogStream;
  /** RFC 3339. */
  readonly time: string;
}

export interface ReadLogOptions {
  /** Only the last N entries (of those since `since`). */
  readonly tail?: number;
  /** Only entries at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Keep reading until `stillRunning` says no. */
  readonly follow?: boolean;
  readonly stillRunning?: () => Promise<boolean>;
  readonly signal?: AbortSignal;
}

/** Calls `emit` for each entry of the log at `path` (and its rotated files `path.1` … `path.{maxFile-1}`). */
export async function readLog(path: string, maxFile: number, emit: (e: LogEntry) => void, options: ReadLogOptions = {}): Promise<void> {
  const since = options.since ?? 0;
  const keep = (e: LogEntry): boolean => since === 0 || Date.parse(e.time) >= since;
  const entries: LogEntry[] = [];
  for (let n = maxFile - 1; n >= 1; n--) entries.push(...parse((await ifExists(readFile(`${path}.${n}`, 'utf8'))) ?? '').filter(keep));
  const current = (await ifExists(readFile(path))) ?? Buffer.alloc(0);
  let offset = current.lastIndexOf(0x0a) + 1;
  entries.push(...parse(current.subarray(0, offset).toString('utf8')).filter(keep));
  const shown = options.tail === undefined ? entries : options.tail === 0 ? [] : entries.slice(-options.tail);
  for (const e of shown) emit(e);
  if (options.follow !== true) return;
  let ino = (await ifExists(stat(path)))?.ino;
  for (;;) {
    const running = options.stillRunning === undefined ? false : await options.stillRunning();
    const st = await ifExists(stat(path));
    // Rotated (a new file, or one that starts over): read the new one from its start.
    if (st !== undefined && (st.ino !== ino || st.size < offset)) {
      ino = st.ino;
      offset = 0;
    }
    if (st !== undefined && st.size > offset) {
      const chunk = await readRange(path, offset, st.size);
      const end = chunk.lastIndexOf(0x0a) + 1;
      for (const e of parse(chunk.subarray(0, end).toString('utf8'))) if (keep(e)) emit(e);
      offset += end;
      continue;
    }
    if (!running || options.signal?.aborted === true) return;
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function parse(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const e = JSON.parse(line) as Partial<LogEntry>;
      if (typeof e.log === 'string' && (e.stream === 'stdout' || e.stream === 'stderr') && typeof e.time === 'string') out.push({ log: e.log, stream: e.stream, time: e.time });
    } catch {
      // a line cut short by a crash: skip it
    }
  }
  return out;
}
