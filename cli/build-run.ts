/** Runs a build (one library call) with a progress renderer, Ctrl-C handling, the iidfile and the automatic GC. */
import { writeFile } from 'node:fs/promises';
import type { CliContext } from './context.js';
import { normalizeName } from '../store/index.js';
import { createRenderer, type RenderMode } from './render/index.js';
import { openBuildWorker, type Worker } from './worker.js';
import { build, STDOUT_DEST, type BuildRequest } from '../frontend/index.js';

export interface RunFlags {
  readonly progress: RenderMode;
  readonly quiet?: boolean;
  readonly iidfile?: string;
  readonly metadataFile?: string;
}

/** Builds `req`; returns kiln's exit code. */
export async function runWithProgress(ctx: CliContext, w: Worker, req: BuildRequest, flags: RunFlags): Promise<number> {
  const worker = await openBuildWorker(w);
  // With an archive on stdout (`-o -`), nothing else may go there: even quiet mode's image id goes to stderr.
  const stdoutTaken = (req.outputs ?? []).some((o) => o.type !== 'image' && o.dest === STDOUT_DEST);
  const renderer = createRenderer(flags.quiet === true ? 'quiet' : flags.progress, { out: stdoutTaken ? process.stderr : process.stdout, err: process.stderr }, { color: process.env.NO_COLOR === undefined });
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`interrupted by ${sig}`));
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const started = Date.now();
  try {
    const outcome = await build(req, worker, { progress: renderer, signal: abort.signal });
    if (flags.iidfile !== undefined) await writeFile(flags.iidfile, outcome.imageId);
    if (flags.metadataFile !== undefined) {
      const { writeMetadataFile } = await import('./build-metadata.js');
      // Pushed, the manifest is the registry's (compressed layers), as buildx reports it.
      const pushed = outcome.pushed.at(-1);
      const manifest = pushed === undefined ? outcome.manifest : { mediaType: outcome.manifest.mediaType, digest: pushed.digest, size: pushed.size };
      await writeMetadataFile(flags.metadataFile, { manifest, configDigest: outcome.imageId, names: (req.tags ?? []).map(normalizeName) });
    }
    await renderer.done({ ok: true, imageId: outcome.imageId, durationMs: Date.now() - started });
    // The build succeeded whatever the GC does: a failure is a warning.
    await import('./auto-gc.js')
      .then(({ autoGc }) => autoGc(w))
      .catch((err: unknown) => ctx.stderr(`warning: automatic garbage collection failed: ${(err as Error).message}\n`));
    return 0;
  } catch (err) {
    await renderer.done({ ok: false, error: err });
    throw err;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
