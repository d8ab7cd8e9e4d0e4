/**
 * After a solve: the image named in the local store (`-t`), the other `-o`
 * outputs (an OCI or docker archive, a tar of the final rootfs, the rootfs
 * copied into a directory), and `--push`; reported as BuildKit's
 * `exporting to image` step.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { saveImages, type Descriptor } from '../../store/index.js';
import { attestImage, type BuildTimes } from './attestations.js';
import { whileWriting } from '../../util/no-space.js';
import type { BuildProgress } from './progress.js';
import { STDOUT_DEST, type BuildOutcome, type BuildOutput } from './request.js';
import type { BuildScope } from './scope.js';
import type { Solution } from './solve.js';
import { viewOf } from './views.js';

const run = promisify(execFile);

/** Names, writes and pushes what `solution` built, as its request says; `tags` are normalized names. */
export async function exportOutputs(scope: BuildScope, solution: Solution, tags: readonly string[], progress: BuildProgress, signal: AbortSignal | undefined, times: BuildTimes): Promise<BuildOutcome> {
  const { worker, request } = scope;
  const t = (): number => Date.now();
  const started = t();
  const status = (text: string, done = true): void => progress.write({ type: 'build.step.status', step: 'export', status: text, done, time: t() });
  progress.write({ type: 'build.step.started', step: 'export', name: 'exporting to image', time: started });
  const outputs = request.outputs === undefined || request.outputs.length === 0 ? [{ type: 'image' as const }] : request.outputs;
  // With attestations the image is an index (its manifest plus an attestation manifest), stored, saved and pushed as such.
  const attested = await whileWriting(worker.layout.root, 'writing the attestations', () => attestImage(scope, solution, tags, times));
  if (attested !== undefined) status(`exporting attestation manifest, index ${attested.digest}`);
  const stored = attested ?? solution.manifest;
  let names: readonly string[] = [];
  if (outputs.some((o) => o.type === 'image')) {
    await whileWriting(worker.layout.root, 'naming the image', () => worker.images.put(stored, tags));
    names = tags;
    status(`writing image ${solution.imageId}`);
    for (const n of tags) status(`naming to ${n}`);
  }
  for (const o of outputs) if (o.type !== 'image') await writeOutput(scope, solution, stored, o, tags);
  const pushed: { ref: string; digest: string; size: number }[] = [];
  if (request.push === true) {
    const { push } = await import('../../registry/index.js');
    for (const n of tags) {
      status(`pushing ${n}`, false);
      const r = await push(worker.images, stored.digest, n, { ...worker.registry, ...(signal === undefined ? {} : { signal }) });
      status(`pushing ${n}`);
      status(`pushed ${r.ref}@${r.digest}`);
      pushed.push({ ref: r.ref, digest: r.digest, size: r.size });
    }
  }
  progress.write({ type: 'build.step.completed', step: 'export', time: t(), durationMs: t() - started });
  return { imageId: solution.imageId, manifest: stored, names, pushed };
}

/** One output besides the image store. */
async function writeOutput(scope: BuildScope, solution: Solution, image: Descriptor, o: Exclude<BuildOutput, { type: 'image' }>, tags: readonly string[]): Promise<void> {
  const { images } = scope.worker;
  if (o.type === 'oci' || o.type === 'docker') {
    const stored = await images.get(image.digest).then((r) => (r.index ?? r.manifest).digest === image.digest).catch(() => false);
    if (!stored) await images.put(image, []);
    // The archive names the image by the build's -t names (none: unnamed), never by other names it has in the store.
    const save = (out: Writable): Promise<void> => saveImages(images, [image.digest], out, o.type === 'oci' ? 'oci' : 'docker', { names: tags });
    if (o.dest === STDOUT_DEST) await toStdout(save);
    else await atomicFile(o.dest, async (fh) => save(fh.createWriteStream()));
    return;
  }
  const view = await viewOf(scope.worker, solution.rootfs.snapshot);
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
