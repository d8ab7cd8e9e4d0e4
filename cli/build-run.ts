/** Runs a build with a progress renderer, Ctrl-C handling, naming and outputs. */
import { writeFile } from 'node:fs/promises';
import type { CliContext } from './context.js';
import { STDOUT_DEST, type BuildOutput } from './build-options.js';
import { createRenderer, type RenderMode } from './render/index.js';
import type { Worker } from './worker.js';
import { build, type BuildEnv, type BuildRequest } from '../frontend/index.js';
import { normalizeName } from '../store/index.js';
import { writeOutputs } from './build-outputs.js';
import { whileWriting } from '../util/no-space.js';

export interface RunFlags {
  readonly tag: readonly string[];
  readonly progress: RenderMode;
  readonly quiet?: boolean;
  readonly output: readonly BuildOutput[];
  readonly iidfile?: string;
  readonly metadataFile?: string;
  readonly push: boolean;
  readonly rootOption: string | undefined;
}

/** Builds, names and exports; returns kiln's exit code. */
export async function runWithProgress(_ctx: CliContext, w: Worker, env: BuildEnv, req: BuildRequest, flags: RunFlags): Promise<number> {
  const tags = flags.tag.map(normalizeName);
  // With an archive on stdout (`-o -`), nothing else may go there: even quiet mode's image id goes to stderr.
  const stdoutTaken = flags.output.some((o) => o.type !== 'image' && o.dest === STDOUT_DEST);
  const renderer = createRenderer(flags.quiet === true ? 'quiet' : flags.progress, { out: stdoutTaken ? process.stderr : process.stdout, err: process.stderr }, { color: process.env.NO_COLOR === undefined });
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`interrupted by ${sig}`));
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const started = Date.now();
  const t = (): number => Date.now();
  try {
    renderer.write({ type: 'build.step.started', step: 'def', name: `[internal] load build definition from ${req.dockerfile.filename}`, time: t() });
    renderer.write({ type: 'build.step.completed', step: 'def', time: t(), durationMs: 0 });
    const outcome = await build(env, req, { progress: renderer, signal: abort.signal, onWarning: (message) => renderer.write({ type: 'build.warning', message, time: t() }) });
    for (const w of outcome.plan.warnings) renderer.write({ type: 'build.warning', message: w.message, time: t() });
    const exportStart = t();
    renderer.write({ type: 'build.step.started', step: 'export', name: 'exporting to image', time: exportStart });
    const outputs = flags.output.length === 0 ? [{ type: 'image' as const }] : flags.output;
    if (outputs.some((o) => o.type === 'image')) {
      await whileWriting(env.layout.root, 'naming the image', () => w.images.put(outcome.manifest, tags));
      renderer.write({ type: 'build.step.status', step: 'export', status: `writing image ${outcome.imageId}`, done: true, time: t() });
      for (const n of tags) renderer.write({ type: 'build.step.status', step: 'export', status: `naming to ${n}`, done: true, time: t() });
    }
    await writeOutputs(w, env, outcome, outputs.filter((o) => o.type !== 'image'), tags);
    let pushed: { digest: string; size: number } | undefined;
    if (flags.push) {
      const { push } = await import('../registry/index.js');
      for (const n of tags) {
        renderer.write({ type: 'build.step.status', step: 'export', status: `pushing ${n}`, done: false, time: t() });
        const r = await push(w.images, outcome.manifest.digest, n, { signal: abort.signal });
        pushed = r;
        renderer.write({ type: 'build.step.status', step: 'export', status: `pushing ${n}`, done: true, time: t() });
        renderer.write({ type: 'build.step.status', step: 'export', status: `pushed ${r.ref}@${r.digest}`, done: true, time: t() });
      }
    }
    renderer.write({ type: 'build.step.completed', step: 'export', time: t(), durationMs: t() - exportStart });
    if (flags.iidfile !== undefined) await writeFile(flags.iidfile, outcome.imageId);
    if (flags.metadataFile !== undefined) {
      const { writeMetadataFile } = await import('./build-metadata.js');
      // Pushed, the manifest is the registry's (compressed layers), as buildx reports it.
      const manifest = pushed === undefined ? outcome.manifest : { mediaType: outcome.manifest.mediaType, digest: pushed.digest, size: pushed.size };
      await writeMetadataFile(flags.metadataFile, { manifest, configDigest: outcome.imageId, names: tags });
    }
    await renderer.done({ ok: true, imageId: outcome.imageId, durationMs: Date.now() - started });
    // The build succeeded whatever the GC does: a failure is a warning.
    await import('./auto-gc.js')
      .then(({ autoGc }) => autoGc(w))
      .catch((err: unknown) => _ctx.stderr(`warning: automatic garbage collection failed: ${(err as Error).message}\n`));
    return 0;
  } catch (err) {
    await renderer.done({ ok: false, error: err });
    throw err;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
