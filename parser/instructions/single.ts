/**
 * Instructions that take the rest of the line as one value (USER, WORKDIR,
 * STOPSIGNAL, MAINTAINER), and VOLUME.
 */
import type { Word } from '../types.js';
import { fail, internal, keywordOf, type Ctx } from './ctx.js';
import { parseFlags } from './flags.js';
import type { MaintainerCommand, StopSignalCommand, UserCommand, VolumeCommand, WorkdirCommand } from './types.js';

/** The single argument of USER, WORKDIR, STOPSIGNAL or MAINTAINER (checked before flags, as in BuildKit). */
function exactlyOne(ctx: Ctx): string {
  const args = ctx.inst.args;
  if (args.form !== 'string') return internal(ctx, `${args.form} arguments`);
  if (args.value === null) fail(ctx, `${keywordOf(ctx)} requires exactly one argument`);
  return args.value.value;
}

/** `USER user[:group]` — https://docs.docker.com/reference/dockerfile/#user */
export function parseUser(ctx: Ctx): UserCommand {
  const user = exactlyOne(ctx);
  parseFlags(ctx, {});
  return { kind: 'user', user, range: ctx.inst.range, source: ctx.inst };
}

/** `WORKDIR path` — https://docs.docker.com/reference/dockerfile/#workdir */
export function parseWorkdir(ctx: Ctx): WorkdirCommand {
  const path = exactlyOne(ctx);
  parseFlags(ctx, {});
  return { kind: 'workdir', path, range: ctx.inst.range, source: ctx.inst };
}

/**
 * `STOPSIGNAL signal` — https://docs.docker.com/reference/dockerfile/#stopsignal
 * BuildKit does not check STOPSIGNAL's flags; neither do we.
 */
export function parseStopSignal(ctx: Ctx): StopSignalCommand {
  return { kind: 'stopsignal', signal: exactlyOne(ctx), range: ctx.inst.range, source: ctx.inst };
}

/** `MAINTAINER name` — https://docs.docker.com/reference/dockerfile/#maintainer-deprecated */
export function parseMaintainer(ctx: Ctx): MaintainerCommand {
  const maintainer = exactlyOne(ctx);
  parseFlags(ctx, {});
  return { kind: 'maintainer', maintainer, range: ctx.inst.range, source: ctx.inst };
}

/** `VOLUME path...` or `VOLUME ["path", ...]` — https://docs.docker.com/reference/dockerfile/#volume */
export function parseVolume(ctx: Ctx): VolumeCommand {
  const args = ctx.inst.args;
  if (args.form !== 'json' && args.form !== 'words') return internal(ctx, `${args.form} arguments`);
  if (args.values.length === 0) fail(ctx, 'VOLUME requires at least one argument');
  parseFlags(ctx, {});
  const volumes = args.values.map((w): Word => {
    const value = trimGoSpace(w.value);
    if (value === '') fail(ctx, 'VOLUME specified can not be an empty string', w.range);
    return { kind: 'word', value, range: w.range };
  });
  return { kind: 'volume', volumes, range: ctx.inst.range, source: ctx.inst };
}

/** Go's `strings.TrimSpace` (ASCII space, tab, newlines, vertical tab, form feed; and Unicode spaces). */
function trimGoSpace(s: string): string {
  return s.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '');
}
