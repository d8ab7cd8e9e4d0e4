/** The container commands that move data in and out: logs, exec, top. */
import { Command } from 'commander';
import type { Containers } from '../../containers/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../units.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function makeLogsCommand(ctx: CliContext): Command {
  return new Command('logs')
    .description("show a container's output (stdout and stderr apart)")
    .argument('<container>', 'name, id or id prefix')
    .option('-f, --follow', 'keep printing new output until the container stops')
    .option('-n, --tail <n>', 'only the last N lines (or all)', 'all')
    .option('-t, --timestamps', 'show timestamps')
    .option('--since <time>', 'only output since: RFC 3339 time, Unix seconds, or a duration ago (10m)')
    .action(async (ref: string, opts: { follow?: boolean; tail: string; timestamps?: boolean; since?: string }, cmd: Command) => {
      if (opts.tail !== 'all' && !/^\d+$/.test(opts.tail)) throw new InvalidArgumentError(`invalid --tail ${JSON.stringify(opts.tail)}: expected a number or all`);
      const since = opts.since === undefined ? undefined : parseSince(opts.since);
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGINT', stop);
      try {
        await (await containersOf(cmd)).logs(
          ref,
          (e) => {
            const text = opts.timestamps === true ? `${e.time} ${e.log}` : e.log;
            if (e.stream === 'stdout') ctx.stdout(text);
            else ctx.stderr(text);
          },
          {
            ...(opts.tail === 'all' ? {} : { tail: Number(opts.tail) }),
            ...(since === undefined ? {} : { since }),
            follow: opts.follow === true,
            signal: abort.signal,
          },
        );
      } finally {
        process.off('SIGINT', stop);
      }
    });
}

/** docker's `--since`: an RFC 3339 time, Unix seconds (with fraction), or a Go duration before now. */
export function parseSince(text: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return t;
  }
  try {
    return now - parseDuration(text, '--since');
  } catch {
    throw new InvalidArgumentError(`invalid --since ${JSON.stringify(text)}: expected an RFC 3339 time, Unix seconds or a duration such as 10m`);
  }
}

interface ExecOptions {
  interactive?: boolean;
  tty?: boolean;
  env: string[];
  user?: string;
  workdir?: string;
  detach?: boolean;
}

export function makeExecCommand(ctx: CliContext): Command {
  return new Command('exec')
    .description('run a command in a running container')
    .argument('<container>', 'name, id or id prefix')
    .argument('<command...>', 'command and arguments')
    .passThroughOptions()
    .option('-i, --interactive', 'keep standard input open')
    .option('-t, --tty', 'allocate a terminal')
    .option('-e, --env <K=V>', 'set an environment variable', collect, [])
    .option('-u, --user <user>', 'user[:group] or uid[:gid]')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .action(async (ref: string, args: string[], opts: ExecOptions, cmd: Command) => {
      for (const e of opts.env) if (!/^[^=]+=/.test(e)) throw new InvalidArgumentError(`invalid environment variable ${JSON.stringify(e)}: expected K=V`);
      if (opts.workdir !== undefined && !opts.workdir.startsWith('/')) throw new InvalidArgumentError(`working directory ${JSON.stringify(opts.workdir)} must be absolute`);
      const c = await containersOf(cmd);
      const abort = new AbortController();
      const onSignal = (): void => abort.abort(new Error('interrupted'));
      process.on('SIGINT', onSignal);
      try {
        const tty = opts.tty === true && process.stdin.isTTY === true;
        const spec = { args, env: opts.env, tty, ...(opts.user === undefined ? {} : { user: opts.user }), ...(opts.workdir === undefined ? {} : { cwd: opts.workdir }) };
        const stdio = { ...(opts.interactive === true ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr };
        ctx.setExitCode(await c.exec(ref, spec, { stdio, signal: abort.signal }));
      } finally {
        process.off('SIGINT', onSignal);
      }
    });
}

export function makeTopCommand(ctx: CliContext): Command {
  return new Command('top')
    .description("show a running container's processes (host ps, -ef unless ps options are given)")
    .argument('<container>', 'name, id or id prefix')
    .argument('[ps-options...]', 'ps(1) options')
    .passThroughOptions()
    .action(async (ref: string, psOptions: string[], _opts: unknown, cmd: Command) => {
      const pids = await (await containersOf(cmd)).pids(ref);
      const { execFileSync } = await import('node:child_process');
      const options = psOptions.length > 0 ? psOptions : ['-f'];
      // Like docker top: ps(1) on the host, limited to the container's pids.
      ctx.stdout(execFileSync('ps', [...options, '-p', pids.join(',')], { encoding: 'utf8' }));
    });
}


async function containersOf(cmd: Command): Promise<Containers> {
  const { workerFor } = await import('./image-cmds.js');
  return (await workerFor(cmd)).containers();
}
