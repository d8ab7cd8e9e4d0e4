/**
 * ENV, LABEL and ARG: lists of `name=value` (ARG's value is optional).
 * Values stay as written, quotes included; the frontend expands them.
 * See https://docs.docker.com/reference/dockerfile/#env,
 * https://docs.docker.com/reference/dockerfile/#label and
 * https://docs.docker.com/reference/dockerfile/#arg
 */
import { fail, internal, keywordOf, type Ctx } from './ctx.js';
import { parseFlags } from './flags.js';
import type { ArgCommand, ArgDefinition, EnvCommand, KeyValuePair, LabelCommand } from './types.js';

/** `ENV key=value ...` or the legacy `ENV key value`. */
export function parseEnv(ctx: Ctx): EnvCommand {
  parseFlags(ctx, {});
  return { kind: 'env', pairs: pairsOf(ctx), range: ctx.inst.range, source: ctx.inst };
}

/** `LABEL key=value ...` */
export function parseLabel(ctx: Ctx): LabelCommand {
  parseFlags(ctx, {});
  return { kind: 'label', pairs: pairsOf(ctx), range: ctx.inst.range, source: ctx.inst };
}

function pairsOf(ctx: Ctx): KeyValuePair[] {
  const args = ctx.inst.args;
  if (args.form !== 'keyValue') return internal(ctx, `${args.form} arguments`);
  const kw = keywordOf(ctx);
  if (args.pairs.length === 0) fail(ctx, `${kw} requires at least one argument`);
  return args.pairs.map((p) => {
    if (p.key.value === '') fail(ctx, `${kw} names can not be blank`, p.range);
    return { key: p.key.value, value: p.value.value, legacy: p.legacy, range: p.range };
  });
}

/**
 * `ARG name[=default] ...`. Flags are not checked: BuildKit ignores them on
 * ARG. An `=` splits at its first occurrence; a blank name is an error.
 */
export function parseArg(ctx: Ctx): ArgCommand {
  const args = ctx.inst.args;
  if (args.form !== 'words') return internal(ctx, `${args.form} arguments`);
  if (args.values.length === 0) fail(ctx, 'ARG requires at least one argument');
  const defs = args.values.map((w): ArgDefinition => {
    const eq = w.value.indexOf('=');
    if (eq < 0) return { name: w.value, default: null, range: w.range };
    if (eq === 0) fail(ctx, 'ARG names can not be blank', w.range);
    return { name: w.value.slice(0, eq), default: w.value.slice(eq + 1), range: w.range };
  });
  return { kind: 'arg', args: defs, range: ctx.inst.range, source: ctx.inst };
}
