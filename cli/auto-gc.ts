/**
 * The GC after a build (gc-config.ts for the policy). It runs at most once
 * per interval, and never sooner after the last one than that one took to
 * measure the root, so measuring never takes most of the time; the time of the
 * last run is kept in `<root>/cache/gc-last.json`.
 */
import { readFile } from 'node:fs/promises';
import type { GcResult } from '../cache/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { gcConfig } from './gc-config.js';
import type { Worker } from './worker.js';

interface LastRun {
  readonly at: number;
  readonly tookMs: number;
}

/** Collects when the policy says so; returns what it removed, or undefined when it did not run. */
export async function autoGc(w: Worker, env: NodeJS.ProcessEnv = process.env): Promise<GcResult | undefined> {
  const cfg = await gcConfig(w.layout, env);
  if (!cfg.enabled) return undefined;
  const stamp = w.layout.gcStamp;
  const last = await readFile(stamp, 'utf8')
    .then((t) => JSON.parse(t) as LastRun)
    .catch(() => undefined);
  const now = Date.now();
  if (last !== undefined && now - last.at < Math.max(cfg.intervalMs, last.tookMs)) return undefined;
  const { collect } = await import('../cache/index.js');
  const { gcSources } = await import('./gc-sources.js');
  const { result } = await collect(w.session, await gcSources(w), { buildCache: true, keepBytes: cfg.keepBytes });
  await writeFileAtomic(stamp, JSON.stringify({ at: Date.now(), tookMs: Date.now() - now } satisfies LastRun), 0o644, { durable: false });
  return result;
}
