/**
 * Machine-readable progress: one JSON object per line per event, then one
 * `build.result` line from `done`. Field names are stable (listed per type
 * below); log `data` is the chunk as received, not split into lines.
 *
 *     {"type":"vertex.started","time":1700000000000,"vertex":{"digest":"sha256:…","name":"[build 2/4] RUN make"}}
 *     {"type":"build.result","time":1700000001000,"ok":true,"imageId":"sha256:…","durationMs":1000}
 */
import type { Clock } from './clock.js';
import { assertNever, writeFlushed, type BuildResult, type OutputStream, type RenderEvent, type Renderer } from './events.js';

/** One JSON value per line. */
type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json };

/** Renders every event as a line of JSON to `out` (stderr in the CLI, like BuildKit's rawjson). */
export class JsonRenderer implements Renderer {
  readonly #out: OutputStream;
  readonly #clock: Clock;
  #closed = false;

  constructor(out: OutputStream, clock: Clock) {
    this.#out = out;
    this.#clock = clock;
  }

  write(ev: RenderEvent): void {
    if (this.#closed) return;
    this.#out.write(`${JSON.stringify(eventJson(ev))}\n`);
  }

  async done(result: BuildResult): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await writeFlushed(this.#out, `${JSON.stringify(resultJson(result, this.#clock.now()))}\n`);
  }
}

/** The stable JSON shape of an event: fields are picked per type, never spread. */
export function eventJson(ev: RenderEvent): Json {
  const { type, time } = ev;
  switch (ev.type) {
    case 'vertex.started':
    case 'vertex.cached':
      return { type, time, vertex: vertexJson(ev.vertex) };
    case 'vertex.log':
      return { type, time, vertex: vertexJson(ev.vertex), stream: ev.stream, data: ev.data };
    case 'vertex.completed':
    case 'vertex.canceled':
      return { type, time, vertex: vertexJson(ev.vertex), durationMs: ev.durationMs };
    case 'vertex.error':
      return { type, time, vertex: vertexJson(ev.vertex), durationMs: ev.durationMs, message: ev.message };
    case 'build.step.started':
      return { type, time, step: ev.step, name: ev.name };
    case 'build.step.status':
      return { type, time, step: ev.step, status: ev.status, done: ev.done };
    case 'build.step.completed':
    case 'build.step.canceled':
      return { type, time, step: ev.step, durationMs: ev.durationMs };
    case 'build.step.error':
      return { type, time, step: ev.step, durationMs: ev.durationMs, message: ev.message };
    case 'build.warning':
      return { type, time, message: ev.message };
    default:
      return assertNever(ev);
  }
}

/**
 * The last line: `{type:'build.result', time, ok:true, imageId, durationMs}`
 * (`imageId` null when nothing was stored) or `{type, time, ok:false, error:
 * {message, code}}` (`code` is a kiln error's stable code, else null).
 */
export function resultJson(result: BuildResult, time: number): Json {
  if (result.ok) return { type: 'build.result', time, ok: true, imageId: result.imageId ?? null, durationMs: result.durationMs };
  const err = result.error;
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : null;
  return { type: 'build.result', time, ok: false, error: { message, code } };
}

function vertexJson(v: { readonly digest: string; readonly name: string }): Json {
  return { digest: v.digest, name: v.name };
}
