/**
 * `kiln run`: a container from an image in the local store, like `docker run`.
 * The rootfs is a writable overlay on the image's layer snapshots; `--rm`
 * removes it afterwards. The container's exit code becomes kiln's.
 */
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { parseVolume, runProcess } from '../run-config.js';
import { storeLib, workerFor } from './image-cmds.js';
import type { ContainerMount } from '../../executor/index.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { ownedLabels } from '../../cache/index.js';

interface RunOptions {
  rm?: boolean;
  env: string[];
  envFile: string[];
  network: 'none' | 'host';
  volume: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  name?: string;
  interactive?: boolean;
  tty?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

export function makeRunCommand(ctx: CliContext): Command {
  return new Command('run')
    .description('run a command in a new container from an image')
    .argument('<image>', 'image name or id')
    .argument('[args...]', 'command and arguments (replace the image Cmd)')
    .passThroughOptions()
    .option('--rm', 'remove the container filesystem when it exits')
    .option('-e, --env <K=V>', 'set an environment variable (K alone: take it from here)', collect, [])
    .option('--env-file <file>', 'read environment variables from a file', collect, [])
    .addOption(new Option('--network <mode>', 'network: host (share the host network) or none (only lo)').choices(['host', 'none']).default('host'))
    .option('-v, --volume <src:dst[:ro]>', 'bind-mount a host path', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'user[:group] or uid[:gid]')
    .option('--entrypoint <cmd>', 'override the image entrypoint')
    .option('--name <name>', 'container name')
    .option('-i, --interactive', 'keep standard input open')
    .option('-t, --tty', 'allocate a terminal')
    .action(async (image: string, args: string[], opts: RunOptions, cmd: Command) => {
      ctx.setExitCode(await runContainer(image, args, opts, cmd));
    });
}

async function runContainer(ref: string, args: string[], opts: RunOptions, cmd: Command): Promise<number> {
  if (opts.name !== undefined && !NAME.test(opts.name)) throw new InvalidArgumentError(`invalid container name ${JSON.stringify(opts.name)}: expected [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  const w = await workerFor(cmd);
  const { mountAll, unmount } = await import('../../executor/index.js');
  const { unpackImage } = await storeLib();
  // Like docker run: an image missing from the local store is pulled first.
  const image = await w.images.get(ref).catch(async (err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
    const { pull } = await import('../../registry/index.js');
    return (await pull(w.images, ref).catch((pullErr: unknown) => {
      throw new NotFoundError(`image ${ref}: not in the local store, and pulling it failed: ${(pullErr as Error).message}`, { cause: pullErr });
    })).image;
  });
  const config = (await w.images.config(image)).config ?? {};
  const proc = await runProcess(config, { env: opts.env, envFile: opts.envFile, ...pick(opts) }, args);
  const mounts: ContainerMount[] = opts.volume.map((v) => ({ type: 'bind', ...parseVolume(v) }));
  const executor = await w.executor();
  const sn = await w.snapshotter();
  const top = await unpackImage(w.images, sn, image, { mounter: { mountAll, unmount: (t) => unmount(t) }, tmpDir: await w.tmpDir() });
  const id = opts.name ?? randomBytes(6).toString('hex');
  const key = `container-${id}`;
  const labels = { 'kiln.container': id, 'kiln.image': image.id };
  // A --rm container dies with this process: if it is killed, the next sweep removes the filesystem.
  const rootfs = await sn.prepare(key, top, { labels: opts.rm === true ? ownedLabels(labels) : labels }).catch((err: unknown) => {
    if (err instanceof AlreadyExistsError) throw new AlreadyExistsError(`container name ${JSON.stringify(id)} is already in use`, { cause: err });
    throw err;
  });
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`interrupted by ${sig}`));
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const result = await executor.run(
      { id: `kiln-${id}`, rootfs, args: proc.args, env: proc.env, cwd: proc.cwd, ...(proc.user === undefined ? {} : { user: proc.user }), network: opts.network, mounts, tty: opts.tty === true && process.stdin.isTTY === true },
      { signal: abort.signal, stdio: { ...(opts.interactive === true ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr } },
    );
    return result.exitCode;
  } catch (err) {
    if (abort.signal.aborted) return 130;
    throw err;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    if (opts.rm === true) await sn.remove(key).catch(() => undefined);
  }
}

function pick(o: RunOptions): { entrypoint?: string; workdir?: string; user?: string } {
  return {
    ...(o.entrypoint === undefined ? {} : { entrypoint: o.entrypoint }),
    ...(o.workdir === undefined ? {} : { workdir: o.workdir }),
    ...(o.user === undefined ? {} : { user: o.user }),
  };
}
