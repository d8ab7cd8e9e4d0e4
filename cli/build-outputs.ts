/**
 * `kiln build --output`: an OCI or docker archive of the image, a tar of the
 * final rootfs, or the rootfs copied into a directory.
 */
import { execFile } from 'node:child_process';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { BuildOutput } from './build-options.js';
import type { Worker } from './worker.js';
import type { BuildEnv, BuildOutcome } from '../frontend/index.js';
import { saveImages } from '../store/index.js';

const run = promisify(execFile);

/** Writes every non-image output. */
export async function writeOutputs(w: Worker, env: BuildEnv, outcome: BuildOutcome, outputs: readonly BuildOutput[], tags: readonly string[]): Promise<void> {
  for (const o of outputs) {
    if (o.type === 'image') continue;
    if (o.type === 'oci' || o.type === 'docker') {
      const names = await w.images.get(outcome.manifest.digest).then((i) => i.names).catch(() => undefined);
      if (names === undefined) await w.images.put(outcome.manifest, []);
      const ref = tags[0] !== undefined && (await w.images.get(tags[0]).then((i) => i.manifest.digest === outcome.manifest.digest).catch(() => false)) ? tags[0] : outcome.manifest.digest;
      await atomicFile(o.dest, async (fh) => saveImages(w.images, [ref], fh.createWriteStream(), o.type === 'oci' ? 'oci' : 'docker'));
      continue;
    }
    const view = await rootfsView(env, outcome.rootfs);
    try {
      if (o.type === 'tar') {
        await atomicFile(o.dest, async (fh) => {
          await fh.close();
          await run('tar', ['--numeric-owner', '--xattrs', '-C', view.path, '-cf', tmpName(o.dest), '.']);
        });
      } else {
        await mkdir(o.dest, { recursive: true });
        await run('cp', ['-a', `${view.path}/.`, o.dest]);
      }
    } finally {
      await view.release();
    }
  }
}

function tmpName(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.kiln-tmp-${process.pid}`);
}

async function atomicFile(dest: string, write: (fh: Awaited<ReturnType<typeof open>>) => Promise<void>): Promise<void> {
  const tmp = tmpName(dest);
  try {
    const fh = await open(tmp, 'w', 0o644);
    await write(fh);
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function rootfsView(env: BuildEnv, key: string | undefined): Promise<{ path: string; release(): Promise<void> }> {
  const { viewOfSnapshot } = await import('../frontend/index.js');
  return viewOfSnapshot(env, key);
}
