/**
 * Image commands over the local store: import, save, load, tag, rmi. Each is
 * a thin factory over one library call (see store/).
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import type { OpenOptions, Worker } from '../worker.js';
import type { ArchiveFormat } from '../../store/index.js';
import { InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { shortId } from '../format.js';

/** The global `--root` of the command's program. */
export function rootOf(cmd: Command): string | undefined {
  return (cmd.optsWithGlobals() as { root?: string }).root;
}

/** Opens the command's root; loaded lazily so that light commands start fast. */
export async function workerFor(cmd: Command, options: OpenOptions = {}): Promise<Worker> {
  const { openWorker } = await import('../worker.js');
  const w = await openWorker(rootOf(cmd), { runtime: (cmd.optsWithGlobals() as { runtime?: string }).runtime, ...options });
  // What a killed kiln left and this start could not remove: worth knowing, not worth failing the command.
  for (const f of w.swept.failures) process.stderr.write(`warning: cleaning up after a killed kiln: ${f}\n`);
  return w;
}

/** The image store library, loaded lazily. */
export function storeLib(): Promise<typeof import('../../store/index.js')> {
  return import('../../store/index.js');
}

/** An input file or `-` for stdin; a missing file is a NotFoundError naming it. */
export async function openInput(path: string, what: string): Promise<NodeJS.ReadableStream & import('node:stream').Readable> {
  if (path === '-') return process.stdin;
  try {
    const fh = await open(path, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw new InvalidArgumentError(`${what} ${path}: is a directory`);
    }
    return fh.createReadStream();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${what} ${path}: no such file`, { cause: err });
    throw err;
  }
}

export function makeImportCommand(ctx: CliContext): Command {
  return new Command('import')
    .description('make an image from a rootfs tarball (plain or gzip); - reads stdin')
    .argument('<tarball>', 'the rootfs tar file, or -')
    .argument('[name]', 'name for the image, e.g. app:1')
    .action(async (tarball: string, name: string | undefined, _o: unknown, cmd: Command) => {
      const w = await workerFor(cmd);
      const source = await openInput(tarball, 'tarball');
      const image = await (await storeLib()).importRootfs(w.images, source, { ...(name === undefined ? {} : { name }), sourceLabel: tarball === '-' ? '-' : tarball });
      ctx.stdout(`${image.id}\n`);
    });
}

export function makeSaveCommand(): Command {
  return new Command('save')
    .description('write images to a tar archive (docker-archive, or OCI with --format oci)')
    .argument('<image...>', 'images to save')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addOption(new Option('--format <format>', 'archive format').choices(['docker', 'oci']).default('docker'))
    .action(async (images: string[], opts: { output?: string; format: ArchiveFormat }, cmd: Command) => {
      const w = await workerFor(cmd);
      if (opts.output === undefined) {
        if (process.stdout.isTTY) throw new InvalidArgumentError('refusing to write an archive to a terminal: use -o FILE or redirect stdout');
        await (await storeLib()).saveImages(w.images, images, process.stdout, opts.format);
        return;
      }
      // Write next to the target and rename, so a failed save leaves no partial file.
      const tmp = join(dirname(opts.output), `.${basename(opts.output)}.kiln-tmp-${process.pid}`);
      try {
        const fh = await open(tmp, 'w', 0o644);
        await (await storeLib()).saveImages(w.images, images, fh.createWriteStream(), opts.format);
        await rename(tmp, opts.output);
      } finally {
        await rm(tmp, { force: true });
      }
    });
}

export function makeLoadCommand(ctx: CliContext): Command {
  return new Command('load')
    .description('load images from a docker-archive or OCI archive (gzip or not)')
    .option('-i, --input <file>', 'read from this file instead of stdin', '-')
    .option('-q, --quiet', 'print nothing')
    .action(async (opts: { input: string; quiet?: boolean }, cmd: Command) => {
      const w = await workerFor(cmd);
      const source = await openInput(opts.input, 'archive');
      const result = await (await storeLib()).loadArchive(w.images, source, opts.input === '-' ? 'stdin' : opts.input);
      if (opts.quiet !== true) {
        for (const n of result.loaded) ctx.stdout(n.startsWith('sha256:') ? `Loaded image ID: ${n}\n` : `Loaded image: ${n}\n`);
      }
    });
}

export function makeTagCommand(): Command {
  return new Command('tag')
    .description('give an image another name')
    .argument('<source>', 'image name or id')
    .argument('<target>', 'new name')
    .action(async (source: string, target: string, _o: unknown, cmd: Command) => {
      const w = await workerFor(cmd);
      await w.images.tag(source, target);
    });
}

export function makeRmiCommand(ctx: CliContext): Command {
  return new Command('rmi')
    .description('remove images (by name: the name; by id: the image)')
    .argument('<image...>', 'image names or ids')
    .option('-f, --force', 'remove an image with several names by id')
    .action(async (refs: string[], opts: { force?: boolean }, cmd: Command) => {
      const w = await workerFor(cmd);
      for (const ref of refs) {
        const r = await w.images.remove(ref, { force: opts.force === true });
        for (const u of r.untagged) ctx.stdout(`Untagged: ${u}\n`);
        if (r.deleted !== undefined) ctx.stdout(`Deleted: ${r.deleted}\n`);
      }
    });
}

export { shortId };
