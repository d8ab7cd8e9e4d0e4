/**
 * `kiln run`: flags → a CreateRequest for containers/, which creates and
 * starts the container; attached, the container's exit code becomes kiln's,
 * detached (`-d`), its id is printed.
 */
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { workerFor } from './image-cmds.js';
import type { CreateRequest } from '../../containers/index.js';
import { parseLogOptions, parseSeconds, parseSignal } from './container-flags.js';
import { addRunFlags, labelsOf, limitsOf, networkOf, securityOf, type RunFlagValues } from './run-flags.js';

interface RunOptions extends RunFlagValues {
  rm?: boolean;
  detach?: boolean;
  env: string[];
  envFile: string[];
  volume: string[];
  mount: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  name?: string;
  interactive?: boolean;
  tty?: boolean;
  restart: string;
  logOpt: string[];
  stopSignal?: string;
  stopTimeout?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function makeRunCommand(ctx: CliContext): Command {
  return addRunFlags(new Command('run'))
    .description('run a command in a new container from an image')
    .argument('<image>', 'image name or id')
    .argument('[args...]', 'command and arguments (replace the image Cmd)')
    .passThroughOptions()
    .option('--rm', 'remove the container when it exits')
    .option('-d, --detach', 'run in the background and print the container id')
    .option('-e, --env <K=V>', 'set an environment variable (K alone: take it from here)', collect, [])
    .option('--env-file <file>', 'read environment variables from a file', collect, [])
    .option('-v, --volume <src:dst[:opts]>', 'bind a host path (/host:/ctr), mount a named volume (NAME:/ctr) or a new anonymous one (/ctr); opts: ro, rw, nocopy', collect, [])
    .option('--mount <spec>', 'type=bind|volume|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=…][,tmpfs-mode=…]', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'user[:group] or uid[:gid]')
    .option('--entrypoint <cmd>', 'override the image entrypoint')
    .option('--name <name>', 'container name')
    .option('-i, --interactive', 'keep standard input open')
    .option('-t, --tty', 'allocate a terminal')
    .option('--restart <policy>', 'no, on-failure[:MAX], always or unless-stopped', 'no')
    .option('--log-opt <K=V>', 'json-file log option: max-size=SIZE, max-file=N', collect, [])
    .option('--stop-signal <signal>', 'signal that stops the container (default: the image\'s, else SIGTERM)')
    .option('--stop-timeout <seconds>', 'seconds kiln stop waits before SIGKILL (default 10)')
    .action(async (image: string, args: string[], opts: RunOptions, cmd: Command) => {
      const { parseRestart } = await import('../../containers/index.js');
      const req: CreateRequest = {
        image,
        args,
        env: opts.env,
        envFile: opts.envFile,
        volumes: opts.volume,
        mounts: opts.mount,
        network: networkOf(opts),
        ...optionalParts(opts),
        tty: opts.tty === true,
        interactive: opts.interactive === true,
        autoRemove: opts.rm === true,
        restart: parseRestart(opts.restart),
        log: parseLogOptions(opts.logOpt),
        ...optional(opts, (cmd.optsWithGlobals() as { runtime?: string }).runtime),
      };
      const w = await workerFor(cmd);
      if (opts.detach === true) {
        const { id } = await w.containers().run(req, {});
        ctx.stdout(`${id}\n`);
        return;
      }
      const abort = new AbortController();
      const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`interrupted by ${sig}`));
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        const attach = {
          ...(opts.interactive === true ? { stdin: process.stdin } : {}),
          stdout: process.stdout,
          stderr: process.stderr,
          terminal: process.stdin.isTTY === true,
        };
        const { exitCode } = await w.containers().run(req, { attach, signal: abort.signal });
        ctx.setExitCode(exitCode ?? 0);
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    });
}

function optional(o: RunOptions, runtime: string | undefined): Partial<Pick<CreateRequest, 'name' | 'entrypoint' | 'workdir' | 'user' | 'runtime' | 'stopSignal' | 'stopTimeout'>> {
  return {
    ...(o.name === undefined ? {} : { name: o.name }),
    ...(o.entrypoint === undefined ? {} : { entrypoint: o.entrypoint }),
    ...(o.workdir === undefined ? {} : { workdir: o.workdir }),
    ...(o.user === undefined ? {} : { user: o.user }),
    ...(runtime === undefined ? {} : { runtime }),
    ...(o.stopSignal === undefined ? {} : { stopSignal: parseSignal(o.stopSignal) }),
    ...(o.stopTimeout === undefined ? {} : { stopTimeout: parseSeconds(o.stopTimeout, '--stop-timeout') }),
  };
}

function optionalParts(o: RunOptions): Partial<Pick<CreateRequest, 'limits' | 'security' | 'labels'>> {
  const limits = limitsOf(o);
  const security = securityOf(o);
  const labels = labelsOf(o);
  return {
    ...(limits === undefined ? {} : { limits }),
    ...(security === undefined ? {} : { security }),
    ...(Object.keys(labels).length === 0 ? {} : { labels }),
  };
}
