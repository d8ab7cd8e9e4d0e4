/**
 * CMD, ENTRYPOINT and SHELL, and the exec/shell command line they share with RUN.
 * See https://docs.docker.com/reference/dockerfile/#shell-and-exec-form
 */
import { fail, internal, type Ctx } from './ctx.js';
import { parseFlags } from './flags.js';
import type { CmdCommand, CommandLine, EntrypointCommand, ShellCommand } from './types.js';

/**
 * The instruction's command line: a JSON array is the exec form, anything
 * else (even empty) is a shell-form script.
 */
export function commandLineOf(ctx: Ctx): CommandLine {
  const args = ctx.inst.args;
  if (args.form === 'json') return { form: 'exec', args: args.values.map((w) => w.value) };
  if (args.form === 'string') return { form: 'shell', script: args.value?.value ?? '' };
  return internal(ctx, `${args.form} arguments`);
}

/** `CMD` — https://docs.docker.com/reference/dockerfile/#cmd */
export function parseCmd(ctx: Ctx): CmdCommand {
  parseFlags(ctx, {});
  return { kind: 'cmd', command: commandLineOf(ctx), range: ctx.inst.range, source: ctx.inst };
}

/** `ENTRYPOINT` — https://docs.docker.com/reference/dockerfile/#entrypoint */
export function parseEntrypoint(ctx: Ctx): EntrypointCommand {
  parseFlags(ctx, {});
  return { kind: 'entrypoint', command: commandLineOf(ctx), range: ctx.inst.range, source: ctx.inst };
}

/** `SHELL` takes the JSON form only — https://docs.docker.com/reference/dockerfile/#shell */
export function parseShell(ctx: Ctx): ShellCommand {
  parseFlags(ctx, {});
  const command = commandLineOf(ctx);
  const empty = command.form === 'exec' ? command.args.length === 0 : command.script === '';
  if (empty) fail(ctx, 'SHELL requires at least one argument');
  if (command.form === 'shell') fail(ctx, 'SHELL requires the arguments to be in JSON form');
  return { kind: 'shell', shell: command.args, range: ctx.inst.range, source: ctx.inst };
}
