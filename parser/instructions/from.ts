/**
 * FROM, which starts a stage, and ONBUILD, which stores a trigger for images
 * built FROM this one.
 * See https://docs.docker.com/reference/dockerfile/#from and
 * https://docs.docker.com/reference/dockerfile/#onbuild
 */
import type { Word } from '../types.js';
import { fail, internal, type Ctx } from './ctx.js';
import { parseFlags, valueOf } from './flags.js';
import { goQuote } from '../../util/go-quote.js';
import type { FromCommand, OnbuildCommand } from './types.js';

/** A stage name after lowercasing (BuildKit's rule). */
const validStageName = /^[a-z][a-z0-9-_.]*$/;

/** `FROM [--platform=P] image [AS name]`; the name is checked before the flags, as in BuildKit. */
export function parseFrom(ctx: Ctx): FromCommand {
  const args = ctx.inst.args;
  if (args.form !== 'words') return internal(ctx, `${args.form} arguments`);
  const stageName = stageNameOf(ctx, args.values);
  const flags = parseFlags(ctx, { platform: 'string' });
  const image = args.values[0]?.value ?? internal(ctx, 'missing image');
  return { kind: 'from', image, stageName, platform: valueOf(flags.platform), range: ctx.inst.range, source: ctx.inst };
}

function stageNameOf(ctx: Ctx, words: readonly Word[]): string | null {
  const [, as, name] = words;
  if (words.length === 3 && as !== undefined && name !== undefined && as.value.toLowerCase() === 'as') {
    const lower = name.value.toLowerCase();
    if (!validStageName.test(lower)) {
      const msg = `invalid name for build stage: ${goQuote(name.value)}, name can't start with a number or contain symbols`;
      fail(ctx, msg, name.range);
    }
    return lower;
  }
  if (words.length !== 1) fail(ctx, 'FROM requires either one or three arguments');
  return null;
}

/** `ONBUILD instruction`; ONBUILD, FROM and MAINTAINER may not be triggers. */
export function parseOnbuild(ctx: Ctx): OnbuildCommand {
  const args = ctx.inst.args;
  if (args.form !== 'onbuild') return internal(ctx, `${args.form} arguments`);
  const trigger = args.instruction ?? fail(ctx, 'ONBUILD requires at least one argument');
  parseFlags(ctx, {});
  const name = trigger.name.toUpperCase();
  if (name === 'ONBUILD') fail(ctx, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", trigger.keywordRange);
  if (name === 'FROM' || name === 'MAINTAINER') fail(ctx, `${name} isn't allowed as an ONBUILD trigger`, trigger.keywordRange);
  let expression = ctx.inst.original.replace(/^[\t\n\f\r ]*onbuild[\t\n\f\r ]*/i, '');
  for (const doc of ctx.inst.heredocs) expression += `\n${doc.content}${doc.name}`;
  return { kind: 'onbuild', expression, trigger, range: ctx.inst.range, source: ctx.inst };
}
