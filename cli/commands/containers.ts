/**
 * The container commands (docker's `container` group and its top-level
 * aliases: ps, logs, stop, kill, rm, start, restart, wait, exec, top, rename; container-io.ts has logs, exec, top),
 * thin wrappers over containers/'s Containers.
 */
import { closeSync, writeSync } from 'node:fs';
import { Command } from 'commander';
import type { Containers } from '../../containers/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import type { CliContext } from '../context.js';
import { humanSize } from '../format.js';
import { renderRows, renderTemplate } from '../go-template.js';
import { parseSeconds, parseSignal } from './container-flags.js';
import { workerFor } from './image-cmds.js';
import { makeExecCommand, makeLogsCommand, makeTopCommand } from './container-io.js';

/** The file descriptor on which a detached supervisor reports (containers.ts gives it a pipe there). */
const REPORT_FD = 3;
const collect = (v: string, prev: string[]): string[] => [...prev, v];

async function containersOf(cmd: Command): Promise<Containers> {
  return (await workerFor(cmd)).containers();
}

/** Runs `fn` for each ref like docker: an error is printed and the rest still run; any error makes the exit code 1. */
async function each(ctx: CliContext, refs: readonly string[], fn: (ref: string) => Promise<string | undefined>): Promise<void> {
  let failed: unknown;
  for (const ref of refs) {
    try {
      const out = await fn(ref);
      if (out !== undefined) ctx.stdout(`${out}\n`);
    } catch (err) {
      if (refs.length === 1) throw err;
      failed = err;
      ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (failed !== undefined) ctx.setExitCode(1);
}

/** `kiln container supervise ID` (hidden): the supervising process of a detached container. */
function makeSuperviseCommand(ctx: CliContext): Command {
  return new Command('supervise')
    .description('supervise a detached container (started by kiln run -d / kiln start)')
    .argument('<id>', 'container id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const abort = new AbortController();
      // A stop arrives through the runtime; a signal to this process stops the container too.
      const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`supervisor got ${sig}`));
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('SIGHUP', () => undefined);
      let open = true;
      const report = (line: string): void => {
        if (!open) return;
        open = false;
        try {
          writeSync(REPORT_FD, line);
          closeSync(REPORT_FD);
        } catch {
          // the starting kiln is gone: nobody to tell
        }
      };
      ctx.setExitCode(await (await containersOf(cmd)).supervise(id, { signal: abort.signal, report }));
    });
}

interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  filter: string[];
  format?: string;
  trunc?: boolean;
}

function makePsCommand(ctx: CliContext, name = 'ps'): Command {
  return new Command(name)
    .description('list containers (running ones; -a: all)')
    .option('-a, --all', 'show all containers, not only running ones')
    .option('-q, --quiet', 'only ids')
    .option('-f, --filter <K=V>', 'status=, name=, ancestor=, id=, label=', collect, [])
    .option('--format <template>', "Go template, e.g. '{{.ID}} {{.Status}}' or 'table {{.Names}}\\t{{.State}}', or json")
    .option('--no-trunc', 'do not shorten ids and commands')
    .action(async (opts: PsOptions, cmd: Command) => {
      const { psFilter, psRow, PS_DEFAULT_FORMAT, PS_HEADERS } = await import('../container-view.js');
      const w = await workerFor(cmd);
      const images = await w.images.list();
      const imageIdOf = (ref: string): string | undefined => images.find((i) => i.names.some((n) => n === ref || n.endsWith(`/${ref}`) || n.endsWith(`/${ref}:latest`)))?.id;
      const keep = psFilter(opts.filter, imageIdOf);
      // Like docker: without -a only running containers, unless a status filter asks for others.
      const all = opts.all === true || opts.filter.some((f) => f.startsWith('status='));
      const list = (await w.containers().list()).filter((c) => (all || c.state.status === 'running' || c.state.status === 'restarting') && keep(c));
      const rows = [];
      // Published ports exist only while a container runs (docker's PORTS column is empty otherwise).
      for (const c of list) rows.push(psRow(c, opts.trunc === false, Date.now(), c.state.status === 'running' ? await w.containers().ports(c.record.id) : []));
      if (opts.quiet === true) return ctx.stdout(rows.map((r) => `${r.ID}\n`).join(''));
      const format = opts.format === undefined || opts.format === 'table' ? PS_DEFAULT_FORMAT : opts.format === 'json' ? '{{json .}}' : opts.format;
      ctx.stdout(renderRows(format, rows, PS_HEADERS));
    });
}

function makeStopCommand(ctx: CliContext): Command {
  return new Command('stop')
    .description("stop containers: the stop signal, then SIGKILL after the timeout")
    .argument('<container...>', 'names, ids or id prefixes')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL (default: the container\'s --stop-timeout, else 10)')
    .option('-s, --signal <signal>', 'not supported: set --stop-signal at run')
    .action(async (refs: string[], opts: { time?: string; signal?: string }, cmd: Command) => {
      if (opts.signal !== undefined) throw new InvalidArgumentError('kiln stop -s is not supported: the stop signal is set with kiln run --stop-signal (or the image\'s STOPSIGNAL)');
      const timeout = opts.time === undefined ? {} : { timeoutSeconds: parseSeconds(opts.time, 'stop -t') };
      const c = await containersOf(cmd);
      await each(ctx, refs, async (ref) => (await c.stop(ref, timeout), ref));
    });
}

function makeKillCommand(ctx: CliContext): Command {
  return new Command('kill')
    .description('send a signal to running containers (default SIGKILL)')
    .argument('<container...>', 'names, ids or id prefixes')
    .option('-s, --signal <signal>', 'signal name or number', 'SIGKILL')
    .action(async (refs: string[], opts: { signal: string }, cmd: Command) => {
      const signal = parseSignal(opts.signal);
      const c = await containersOf(cmd);
      await each(ctx, refs, async (ref) => (await c.kill(ref, signal), ref));
    });
}

function makeRmCommand(ctx: CliContext): Command {
  return new Command('rm')
    .description('remove containers (their filesystem, logs and name)')
    .argument('<container...>', 'names, ids or id prefixes')
    .option('-f, --force', 'kill a running container first')
    .option('-v, --volumes', "also remove the container's anonymous volumes")
    .action(async (refs: string[], opts: { force?: boolean; volumes?: boolean }, cmd: Command) => {
      const c = await containersOf(cmd);
      await each(ctx, refs, async (ref) => (await c.remove(ref, { force: opts.force === true, volumes: opts.volumes === true }), ref));
    });
}

function makeStartCommand(ctx: CliContext): Command {
  return new Command('start')
    .description('start stopped containers')
    .argument('<container...>', 'names, ids or id prefixes')
    .option('-a, --attach', "attach to the container's output; its exit code becomes kiln's")
    .option('-i, --interactive', "attach the container's stdin")
    .action(async (refs: string[], opts: { attach?: boolean; interactive?: boolean }, cmd: Command) => {
      const c = await containersOf(cmd);
      if (opts.attach !== true && opts.interactive !== true) return each(ctx, refs, async (ref) => (await c.start(ref), ref));
      if (refs.length > 1) throw new InvalidArgumentError('you cannot start and attach multiple containers at once');
      const abort = new AbortController();
      const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`interrupted by ${sig}`));
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
      try {
        const attach = { ...(opts.interactive === true ? { stdin: process.stdin } : {}), stdout: process.stdout, stderr: process.stderr, terminal: process.stdin.isTTY === true };
        const { exitCode } = await c.start(refs[0] ?? '', { attach, signal: abort.signal });
        ctx.setExitCode(exitCode ?? 0);
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    });
}

function makeRestartCommand(ctx: CliContext): Command {
  return new Command('restart')
    .description('stop, then start containers')
    .argument('<container...>', 'names, ids or id prefixes')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL')
    .action(async (refs: string[], opts: { time?: string }, cmd: Command) => {
      const timeout = opts.time === undefined ? {} : { timeoutSeconds: parseSeconds(opts.time, 'restart -t') };
      const c = await containersOf(cmd);
      await each(ctx, refs, async (ref) => (await c.restart(ref, timeout), ref));
    });
}

function makeWaitCommand(ctx: CliContext): Command {
  return new Command('wait')
    .description('wait until containers stop; print their exit codes')
    .argument('<container...>', 'names, ids or id prefixes')
    .action(async (refs: string[], _opts: unknown, cmd: Command) => {
      const c = await containersOf(cmd);
      await each(ctx, refs, async (ref) => String(await c.wait(ref)));
    });
}

function makeRenameCommand(): Command {
  return new Command('rename')
    .description('rename a container')
    .argument('<container>', 'name, id or id prefix')
    .argument('<new-name>', 'new name')
    .action(async (ref: string, name: string, _opts: unknown, cmd: Command) => {
      await (await containersOf(cmd)).rename(ref, name);
    });
}

function makeInspectCommand(ctx: CliContext): Command {
  return new Command('inspect')
    .description('show containers in detail (JSON, as docker container inspect)')
    .argument('<container...>', 'names, ids or id prefixes')
    .option('-f, --format <template>', 'Go template, e.g. {{.State.Status}}')
    .action(async (refs: string[], opts: { format?: string }, cmd: Command) => {
      const c = await containersOf(cmd);
      const views: unknown[] = [];
      await each(ctx, refs, async (ref) => {
        const v = await c.inspect(ref);
        if (opts.format !== undefined) return renderTemplate(opts.format, v);
        views.push(v);
        return undefined;
      });
      if (opts.format === undefined) ctx.stdout(`${JSON.stringify(views, null, 4)}\n`);
    });
}

function makeContainerPruneCommand(ctx: CliContext): Command {
  return new Command('prune')
    .description('remove every container that is not running')
    .option('-f, --force', 'do not ask for confirmation')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      if (opts.force !== true && process.stdin.isTTY === true) {
        ctx.stderr('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
        const answer = await new Promise<string>((resolve) => process.stdin.once('data', (d) => resolve(String(d))));
        process.stdin.pause();
        if (!/^y(es)?$/i.test(answer.trim())) return;
      }
      const { removed, bytes } = await (await containersOf(cmd)).prune();
      if (removed.length > 0) ctx.stdout(`Deleted Containers:\n${removed.map((id) => `${id}\n`).join('')}\n`);
      ctx.stdout(`Total reclaimed space: ${humanSize(bytes)}\n`);
    });
}

/** The top-level container commands (docker's short forms). */
export function containerCommands(ctx: CliContext): Command[] {
  return [makePsCommand(ctx), makeLogsCommand(ctx), makeStopCommand(ctx), makeKillCommand(ctx), makeRmCommand(ctx), makeStartCommand(ctx), makeRestartCommand(ctx), makeWaitCommand(ctx), makeExecCommand(ctx), makeTopCommand(ctx), makeRenameCommand()];
}

/** `kiln container …`: the same commands, plus ls, inspect and prune. */
export function makeContainerCommand(ctx: CliContext): Command {
  const group = new Command('container').description('manage containers').enablePositionalOptions();
  for (const c of containerCommands(ctx)) group.addCommand(c);
  group.addCommand(makePsCommand(ctx, 'ls').alias('list'));
  group.addCommand(makeInspectCommand(ctx)).addCommand(makeContainerPruneCommand(ctx));
  group.addCommand(makeSuperviseCommand(ctx), { hidden: true });
  return group;
}


