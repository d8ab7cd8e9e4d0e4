/**
 * Fakes for renderer tests: a clock driven by hand that counts its live
 * timers, a stream that records what was written, a minimal terminal that
 * replays the tty renderer's escapes into a screen, and event builders.
 */
import { sha256 } from '../../util/digest.js';
import type { VertexRef } from '../../solver/index.js';
import type { Clock, Timer } from './clock.js';
import type { OutputStream, RenderEvent } from './events.js';

/** A clock that moves only when told; intervals fire as time passes. */
export class FakeClock implements Clock {
  #now: number;
  readonly #timers = new Map<number, { fn: () => void; ms: number; next: number }>();
  #nextId = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setInterval(fn: () => void, ms: number): Timer {
    const id = ++this.#nextId;
    this.#timers.set(id, { fn, ms, next: this.#now + ms });
    return { cancel: () => void this.#timers.delete(id) };
  }

  /** Timers not yet cancelled. */
  get activeTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing each interval at its due times in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: { fn: () => void; ms: number; next: number } | undefined;
      for (const t of this.#timers.values()) if (t.next <= end && (due === undefined || t.next < due.next)) due = t;
      if (due === undefined) break;
      this.#now = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.#now = end;
  }
}

/** A stream that records writes; `isTTY`, `columns` and `rows` are settable. */
export class FakeStream implements OutputStream {
  readonly chunks: string[] = [];
  isTTY: boolean;
  columns: number | undefined;
  rows: number | undefined;

  constructor(opts: { isTTY?: boolean; columns?: number; rows?: number } = {}) {
    this.isTTY = opts.isTTY ?? false;
    this.columns = opts.columns;
    this.rows = opts.rows;
  }

  write(chunk: string, callback?: (err?: Error | null) => void): boolean {
    this.chunks.push(chunk);
    if (callback !== undefined) queueMicrotask(() => callback(null));
    return true;
  }

  get text(): string {
    return this.chunks.join('');
  }
}

/**
 * A screen that understands what the tty renderer emits: text, `\r`, `\n`,
 * cursor up (`ESC[nA`), clear line (`ESC[2K`), clear below (`ESC[J`); colors
 * and cursor visibility are ignored. Text past `width` is an overflow (a real
 * terminal would wrap and the redraw would leave garbage).
 */
export class Screen {
  readonly rows: string[][] = [[]];
  row = 0;
  col = 0;
  overflows = 0;
  readonly #width: number;

  constructor(width: number) {
    this.#width = width;
  }

  feed(s: string): this {
    const re = /\x1b\[(\??[0-9;]*)([A-Za-z])|\r|\n|[^\x1b\r\n]/gu;
    for (const m of s.matchAll(re)) {
      const tok = m[0];
      if (tok === '\r') this.col = 0;
      else if (tok === '\n') this.#moveTo(this.row + 1, 0);
      else if (m[2] !== undefined) this.#escape(m[1] ?? '', m[2]);
      else this.#put(tok);
    }
    return this;
  }

  /** The screen's text, trailing blank lines dropped. */
  lines(): string[] {
    const out = this.rows.map((r) => r.join('').trimEnd());
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  #escape(arg: string, cmd: string): void {
    if (cmd === 'A') this.#moveTo(Math.max(0, this.row - Math.max(1, Number(arg || '1'))), this.col);
    else if (cmd === 'K' && arg === '2') this.rows[this.row] = [];
    else if (cmd === 'J' && (arg === '' || arg === '0')) {
      this.rows[this.row] = (this.rows[this.row] ?? []).slice(0, this.col);
      this.rows.length = this.row + 1;
    } else if (cmd !== 'm' && arg !== '?25') throw new Error(`screen: unexpected escape ESC[${arg}${cmd}`);
  }

  #moveTo(row: number, col: number): void {
    while (this.rows.length <= row) this.rows.push([]);
    this.row = row;
    this.col = col;
  }

  #put(ch: string): void {
    if (this.col >= this.#width) this.overflows++;
    const r = this.rows[this.row] ?? [];
    while (r.length < this.col) r.push(' ');
    r[this.col++] = ch;
    this.rows[this.row] = r;
  }
}

/** A vertex reference with a digest made from its name. */
export function vref(name: string): VertexRef {
  return { digest: sha256(name), name };
}

/** Names of the scripted builds' vertices. */
export const V = {
  from: vref('[base 1/3] FROM docker.io/library/alpine:3.19'),
  apk: vref('[base 2/3] RUN apk add --no-cache make'),
  make: vref('[build 3/4] RUN make'),
  test: vref('[test 2/2] RUN ./test.sh'),
  sleep: vref('[build 4/4] RUN sleep 10'),
} as const;

/**
 * A failing build, times relative to `t0`: a build step with a status, two
 * cached steps, `make` logging in chunks (a line split across chunks, `\r\n`,
 * a `\r` progress line, an unterminated last line), `test` interleaving and
 * failing, `sleep` canceled, and a warning.
 */
export function failingBuild(t0: number): RenderEvent[] {
  const t = (ms: number): number => t0 + ms;
  return [
    { type: 'build.step.started', step: 'load', name: '[internal] load build definition from Dockerfile', time: t(0) },
    { type: 'build.step.status', step: 'load', status: 'transferring dockerfile: 120B', done: true, time: t(5) },
    { type: 'build.step.completed', step: 'load', durationMs: 20, time: t(20) },
    { type: 'build.warning', message: 'build-arg FOO was not consumed', time: t(25) },
    { type: 'vertex.cached', vertex: V.from, time: t(30) },
    { type: 'vertex.cached', vertex: V.apk, time: t(31) },
    { type: 'vertex.started', vertex: V.make, time: t(100) },
    { type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'compiling a.c\ncompil', time: t(150) },
    { type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'ing b.c\r\nlinking\r', time: t(300) },
    { type: 'vertex.log', vertex: V.make, stream: 'stdout', data: '\n', time: t(400) },
    { type: 'vertex.started', vertex: V.test, time: t(420) },
    { type: 'vertex.log', vertex: V.test, stream: 'stdout', data: 'ok 1\n', time: t(500) },
    { type: 'vertex.started', vertex: V.sleep, time: t(510) },
    { type: 'vertex.log', vertex: V.make, stream: 'stderr', data: 'progress 10%\rprogress 100%\n', time: t(600) },
    { type: 'vertex.log', vertex: V.make, stream: 'stdout', data: 'no newline at end', time: t(700) },
    { type: 'vertex.completed', vertex: V.make, durationMs: 700, time: t(800) },
    { type: 'vertex.log', vertex: V.test, stream: 'stderr', data: 'not ok 2\n', time: t(900) },
    { type: 'vertex.error', vertex: V.test, durationMs: 600, message: 'process "/bin/sh -c ./test.sh" did not complete successfully: exit code: 1', time: t(1020) },
    { type: 'vertex.canceled', vertex: V.sleep, durationMs: 520, time: t(1030) },
  ];
}

/** A successful no-op rebuild: every step cached, then the export step with its sub-tasks. */
export function cachedBuild(t0: number): RenderEvent[] {
  const t = (ms: number): number => t0 + ms;
  return [
    { type: 'vertex.cached', vertex: V.from, time: t(1) },
    { type: 'vertex.cached', vertex: V.apk, time: t(2) },
    { type: 'build.step.started', step: 'export', name: 'exporting to image', time: t(10) },
    { type: 'build.step.status', step: 'export', status: 'exporting layers', done: false, time: t(10) },
    { type: 'build.step.status', step: 'export', status: 'exporting layers', done: true, time: t(130) },
    { type: 'build.step.status', step: 'export', status: 'writing image sha256:0123abcd', done: true, time: t(135) },
    { type: 'build.step.status', step: 'export', status: 'naming to docker.io/library/app:latest', done: true, time: t(136) },
    { type: 'build.step.completed', step: 'export', durationMs: 140, time: t(150) },
  ];
}
