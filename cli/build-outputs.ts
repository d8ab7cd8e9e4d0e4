/**
 * `kiln build --output`: an OCI or docker archive of the image, a tar of the
 * final rootfs, or the rootfs copied into a directory.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { STDOUT_DEST, type BuildOutput } from './build-options.js';
import type { Worker } from './worker.js';
import type { BuildEnv, BuildOutcome } from '../frontend/index.js';
import { saveImages } from '../store/index.js';

const run = promisify(execFile);

/** Writes every non-image output. */
export async function writeOutputs(w: Worker, env: BuildEnv, outcome: BuildOutcome, outputs: readonly BuildOutput[], tags: readonly string[]): Promise<void> {
  for (const o of outputs) {
    if (o.type === 'image') continue;
    if (o.type === 'oci' || o.type === 'docker') {
      const stored = await w.images.get(outcome.manifest.digest).then(() => true).catch(() => false);
      if (!stored) await w.images.put(outcome.manifest, []);
      // The archive names the image by the build's -t names (none: unnamed), never by other names it has in the store.
      const save = (out: Writable): Promise<void> => saveImages(w.images, [outcome.manifest.digest], out, o.type === 'oci' ? 'oci' : 'docker', { names: tags });
      if (o.dest === STDOUT_DEST) await toStdout(save);
      else await atomicFile(o.dest, async (fh) => save(fh.createWriteStream()));
      continue;
    }
    const view = await rootfsView(env, outcome.rootfs);
    try {
      if (o.type === 'tar') {
        const tarArgs = ['--numeric-owner', '--xattrs', '-C', view.path, '-cf'];
        if (o.dest === STDOUT_DEST) {
          await toStdout((out) => tarTo(out, [...tarArgs, '-', '.']));
        } else {
          await atomicFile(o.dest, async (fh) => {
            await fh.close();
            await run('tar', [...tarArgs, tmpName(o.dest), '.']);
          });
        }
      } else {
        await mkdir(o.dest, { recursive: true });
        await run('cp', ['-a', `${view.path}/.`, o.dest]);
      }
    } finally {
      await view.release();
    }
  }
}

/** Writes to stdout without ending it (the process's stdout stays open for whatever else is printed). */
async function toStdout(write: (out: Writable) => Promise<void>): Promise<void> {
  const pass = new PassThrough();
  const piped = new Promise<void>((resolve, reject) => {
    pass.on('data', (c: Buffer) => {
      if (!process.stdout.write(c)) {
        pass.pause();
        process.stdout.once('drain', () => pass.resume());
      }
    });
    pass.once('end', resolve).once('error', reject);
    process.stdout.once('error', reject);
  });
  await write(pass);
  if (!pass.writableEnded) pass.end();
  await piped;
}

/** System tar writing an archive to `out`. */
async function tarTo(out: Writable, args: readonly string[]): Promise<void> {
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  await pipeline(child.stdout, out);
  const code = await exited;
  if (code !== 0) throw new Error(`tar of the rootfs failed (exit ${code}): ${stderr.trim()}`);
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
