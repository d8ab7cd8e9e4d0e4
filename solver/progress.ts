/**
 * Progress is data: the solver and its ops emit these events and `cli/render`
 * draws them (plain, tty, json, quiet). Library code never prints.
 *
 * Per vertex a solve emits, in order: either `vertex.cached`, or
 * `vertex.started` then any `vertex.log` then exactly one of
 * `vertex.completed` / `vertex.error` / `vertex.canceled`. A vertex whose cache
 * map failed emits only `vertex.error`. The ancestors of a cache hit that
 * have records of their own are reported `vertex.cached` just before it
 * (inputs first), as docker shows every step of a no-op rebuild CACHED; one
 * whose own record then fails to load, when another step needs it, is
 * started after all. Times are epoch milliseconds.
 */
import { StringDecoder } from 'node:string_decoder';
import type { LogStream, VertexRef } from './types.js';

/** A vertex's exec began (it holds an exec slot). */
export interface VertexStartedEvent {
  readonly type: 'vertex.started';
  readonly vertex: VertexRef;
  readonly time: number;
}

/** A vertex was found in the cache store; it does not run. */
export interface VertexCachedEvent {
  readonly type: 'vertex.cached';
  readonly vertex: VertexRef;
  readonly time: number;
}

/** Output of a running vertex: decoded UTF-8, not split into lines (renderers do that). */
export interface VertexLogEvent {
  readonly type: 'vertex.log';
  readonly vertex: VertexRef;
  readonly time: number;
  readonly stream: LogStream;
  readonly data: string;
}

/** A vertex finished successfully. */
export interface VertexCompletedEvent {
  readonly type: 'vertex.completed';
  readonly vertex: VertexRef;
  readonly time: number;
  readonly durationMs: number;
}

/** A vertex failed on its own (not because the solve was cancelled). */
export interface VertexErrorEvent {
  readonly type: 'vertex.error';
  readonly vertex: VertexRef;
  readonly time: number;
  /** Time since `vertex.started`, or 0 when it failed before starting (cache map, cache lookup). */
  readonly durationMs: number;
  readonly message: string;
}

/** A started vertex was stopped: the caller aborted, or another vertex failed. */
export interface VertexCanceledEvent {
  readonly type: 'vertex.canceled';
  readonly vertex: VertexRef;
  readonly time: number;
  readonly durationMs: number;
}

/** Every progress event; a closed union: switch on `type` with a `never` default. */
export type ProgressEvent =
  | VertexStartedEvent
  | VertexCachedEvent
  | VertexLogEvent
  | VertexCompletedEvent
  | VertexErrorEvent
  | VertexCanceledEvent;

/** Receives progress events. `write` must not throw and must not block. */
export interface ProgressWriter {
  write(ev: ProgressEvent): void;
}

/** A writer that drops everything (the default). */
export const discardProgress: ProgressWriter = { write: () => {} };

/**
 * A vertex's `log` function: bytes are decoded per stream with a
 * StringDecoder, so a multi-byte character split across chunks arrives whole.
 * `flush` emits what an unfinished character left behind.
 */
export function vertexLogger(vertex: VertexRef, progress: ProgressWriter): { log(stream: LogStream, data: string | Uint8Array): void; flush(): void } {
  const decoders = new Map<LogStream, StringDecoder>();
  const emit = (stream: LogStream, data: string): void => {
    if (data !== '') progress.write({ type: 'vertex.log', vertex, time: Date.now(), stream, data });
  };
  return {
    log(stream, data) {
      if (typeof data === 'string') return emit(stream, data);
      let d = decoders.get(stream);
      if (d === undefined) decoders.set(stream, (d = new StringDecoder('utf8')));
      emit(stream, d.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
    },
    flush() {
      for (const [stream, d] of decoders) emit(stream, d.end());
    },
  };
}
