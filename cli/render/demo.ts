/**
 * A scripted build for looking at the renderers in a real terminal (the tty
 * one is only really checked there, e.g. under tmux):
 *
 *     node dist/cli/render/demo.js [auto|plain|tty|json|quiet] [--fail]
 *
 * Two cached steps, three steps running at once with chunked output
 * (progress bars with `\r`, colors, tabs, a very long line), then either the
 * export step or, with `--fail`, a failing step that cancels the others.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256 } from '../../util/digest.js';
import type { VertexRef } from '../../solver/index.js';
import { createRenderer, type RenderMode, type Renderer } from './index.js';

const ref = (name: string): VertexRef => ({ digest: sha256(name), name });

async function step(r: Renderer, id: string, name: string, statuses: readonly string[]): Promise<void> {
  const t0 = Date.now();
  r.write({ type: 'build.step.started', step: id, name, time: t0 });
  for (const status of statuses) {
    r.write({ type: 'build.step.status', step: id, status, done: false, time: Date.now() });
    await sleep(150);
    r.write({ type: 'build.step.status', step: id, status, done: true, time: Date.now() });
  }
  r.write({ type: 'build.step.completed', step: id, durationMs: Date.now() - t0, time: Date.now() });
}

/** Runs a vertex that writes `chunks` 120 ms apart; throws `fail` at the end when given. */
async function vertex(r: Renderer, v: VertexRef, chunks: readonly string[], signal: AbortSignal, fail?: string): Promise<void> {
  const t0 = Date.now();
  r.write({ type: 'vertex.started', vertex: v, time: t0 });
  for (const data of chunks) {
    await sleep(120);
    if (signal.aborted) {
      r.write({ type: 'vertex.canceled', vertex: v, durationMs: Date.now() - t0, time: Date.now() });
      return;
    }
    r.write({ type: 'vertex.log', vertex: v, stream: 'stdout', data, time: Date.now() });
  }
  if (fail !== undefined) {
    r.write({ type: 'vertex.error', vertex: v, durationMs: Date.now() - t0, message: fail, time: Date.now() });
    throw new Error(fail);
  }
  r.write({ type: 'vertex.completed', vertex: v, durationMs: Date.now() - t0, time: Date.now() });
}

/** Compiler-like lines, each cut in two chunks so lines arrive split. */
function makeOutput(n: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const line = `cc -O2 -c src/file${i}.c -o build/file${i}.o\n`;
    out.push(line.slice(0, 9), line.slice(9));
  }
  return out;
}

function progressBar(steps: number): string[] {
  const out: string[] = ['added packages: '];
  for (let i = 1; i <= steps; i++) out.push(`\r[${'#'.repeat(i)}${'.'.repeat(steps - i)}] ${Math.round((i / steps) * 100)}%`);
  out.push('\r\nadded 312 packages in 2s\r\n');
  return out;
}

async function main(): Promise<void> {
  const mode = (process.argv.find((a) => ['auto', 'plain', 'tty', 'json', 'quiet'].includes(a)) ?? 'auto') as RenderMode;
  const fail = process.argv.includes('--fail');
  const r = createRenderer(mode, { out: process.stdout, err: process.stderr }, { color: process.env['NO_COLOR'] === undefined });
  const started = Date.now();
  await step(r, 'load', '[internal] load build definition from Dockerfile', ['transferring dockerfile: 412B']);
  r.write({ type: 'build.warning', message: 'build-arg VERSION was not consumed', time: Date.now() });
  r.write({ type: 'vertex.cached', vertex: ref('[base 1/4] FROM docker.io/library/alpine:3.19'), time: Date.now() });
  r.write({ type: 'vertex.cached', vertex: ref('[base 2/4] RUN apk add --no-cache build-base'), time: Date.now() });
  const ac = new AbortController();
  const long = `[tools 3/4] RUN go build -trimpath -ldflags "-s -w -X main.version=1.2.3" -o /out/tool ./cmd/tool ${'--tag=x '.repeat(12)}`;
  const jobs = [
    vertex(r, ref('[build 3/4] RUN make -j4'), makeOutput(18), ac.signal),
    vertex(r, ref('[deps 2/3] RUN npm ci'), progressBar(12), ac.signal),
    vertex(r, ref(long), ['\x1b[32mok\x1b[0m\tgithub.com/x/tool\t0.3s\n', 'wide: 世界世界世界\n', `${'very-long-line '.repeat(20)}\n`, 'done\n'], ac.signal, fail ? 'process "/bin/sh -c go build …" did not complete successfully: exit code: 2' : undefined),
  ];
  try {
    await Promise.all(jobs.map((j) => j.catch((e: unknown) => (ac.abort(), Promise.reject(e)))));
    await step(r, 'export', 'exporting to image', ['exporting layers', 'writing image sha256:8f2b0c1d', 'naming to docker.io/library/app:latest']);
    await r.done({ ok: true, imageId: 'sha256:8f2b0c1d', durationMs: Date.now() - started });
  } catch (err) {
    await Promise.allSettled(jobs);
    await r.done({ ok: false, error: err });
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

await main();
