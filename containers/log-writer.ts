/**
 * Docker's json-file log driver: one JSON object per line,
 * `{"log":"text\n","stream":"stdout"|"stderr","time":"RFC 3339"}`, one
 * entry per line of output (a line longer than 16 KiB is split, as docker
 * does), rotated by size into `<file>.1`, `<file>.2` … (`--log-opt
 * max-size`, `max-file`). Writes are synchronous: the supervisor does
 * nothing else, and ordering between stdout and stderr is kept.
 * https://docs.docker.com/engine/logging/drivers/json-file/
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LogOptions } from './types.js';

/** Docker's buffer size: longer lines become several entries. */
const MAX_LINE = 16 * 1024;

export type LogStream = 'stdout' | 'stderr';

/** One log file with rotation; `stream(name)` gives the writable for stdout or stderr. */
export class JsonLogWriter {
  readonly #path: string;
  readonly #options: LogOptions;
  #fd: number;
  #size: number;
  /** Each stream's partial last line (the executor never ends the streams it is given). */
  readonly #pending = new Map<LogStream, string>();

  constructor(path: string, options: LogOptions) {
    this.#path = path;
    this.#options = options;
    this.#fd = openSync(path, 'a', 0o640);
    this.#size = fstatSync(this.#fd).size;
  }

  /**
   * A writable whose bytes become entries of `stream` (and are copied to
   * `also`, say the caller's terminal); {@link flush} writes a partial last line.
   */
  stream(stream: LogStream, also?: NodeJS.WritableStream): Writable {
    const utf8 = new StringDecoder('utf8'); // a character split between chunks stays whole
    return new Writable({
      decodeStrings: true,
      write: (chunk: Buffer, _enc, done) => {
        let pending = (this.#pending.get(stream) ?? '') + utf8.write(chunk);
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0 || pending.length >= MAX_LINE) {
          const end = nl >= 0 && nl < MAX_LINE ? nl + 1 : MAX_LINE;
          this.#write(stream, pending.slice(0, end));
          pending = pending.slice(end);
        }
        this.#pending.set(stream, pending);
        if (also === undefined || also.write(chunk)) return done();
        also.once('drain', () => done());
      },
    });
  }

  /** Writes what is left of unfinished lines as entries of their own. */
  flush(): void {
    for (const [stream, text] of this.#pending) if (text !== '') this.#write(stream, text);
    this.#pending.clear();
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }

  #write(stream: LogStream, log: string): void {
    const line = Buffer.from(`${JSON.stringify({ log, stream, time: new Date().toISOString() })}\n`);
    const max = this.#options.maxSize;
    if (max !== undefined && this.#size > 0 && this.#size + line.length > max) this.#rotate();
    writeSync(this.#fd, line);
    this.#size += line.length;
  }

  /** `<file>.N-1` → `<file>.N` …, `<file>` → `<file>.1`; with max-file 1 the file just starts over. */
  #rotate(): void {
    closeSync(this.#fd);
    const keep = Math.max(1, this.#options.maxFile);
    if (keep === 1) {
      rmSync(this.#path, { force: true });
    } else {
      rmSync(`${this.#path}.${keep - 1}`, { force: true });
      for (let n = keep - 2; n >= 1; n--) if (existsSync(`${this.#path}.${n}`)) renameSync(`${this.#path}.${n}`, `${this.#path}.${n + 1}`);
      renameSync(this.#path, `${this.#path}.1`);
    }
    this.#fd = openSync(this.#path, 'a', 0o640);
    this.#size = 0;
  }
}
