/**
 * Instruction flags (`--name[=value]` before the arguments), checked like
 * BuildKit's BFlags: each instruction declares the flags it knows, and an
 * unknown, repeated, valueless or badly valued flag is an error at the flag.
 */
import type { Range } from '../types.js';
import { fail, type Ctx } from './ctx.js';
import { withSuggestion } from './suggest.js';

/** `bool`: `--x`, `--x=true|false`; `string`: `--x=v` once; `strings`: `--x=v`, repeatable. */
export type FlagKind = 'bool' | 'string' | 'strings';

/** The flags an instruction accepts, by name (without `--`). */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

/** A flag's value and where the flag is. */
export interface GivenFlag {
  readonly value: string;
  readonly range: Range;
}

type ValueOf<K extends FlagKind> = K extends 'bool' ? boolean | null : K extends 'string' ? GivenFlag | null : readonly GivenFlag[];

/** Parsed flags: `null` (or `[]`) for a flag not given. */
export type FlagValues<S extends FlagSpec> = { readonly [N in keyof S]: ValueOf<S[N]> };

/** Checks the instruction's flags against `spec` and returns their values. */
export function parseFlags<S extends FlagSpec>(ctx: Ctx, spec: S): FlagValues<S> {
  const values: Record<string, boolean | GivenFlag | GivenFlag[] | null> = {};
  for (const [name, kind] of Object.entries(spec)) values[name] = kind === 'strings' ? [] : null;
  const seen = new Set<string>();
  for (const flag of ctx.inst.flags) {
    const display = `--${flag.name}`;
    const kind = Object.hasOwn(spec, flag.name) ? spec[flag.name] : undefined;
    if (kind === undefined) {
      fail(ctx, withSuggestion(`unknown flag: ${display}`, flag.name, Object.keys(spec), true), flag.range);
    }
    if (seen.has(flag.name) && kind !== 'strings') fail(ctx, `duplicate flag specified: ${display}`, flag.range);
    seen.add(flag.name);
    const given = flag.value;
    if (kind === 'bool') {
      if (given === '') fail(ctx, `missing a value on flag: ${display}`, flag.range);
      values[flag.name] = boolValue(ctx, display, given, flag.range);
      continue;
    }
    if (given === null) fail(ctx, `missing a value on flag: ${display}`, flag.range);
    const value: GivenFlag = { value: given, range: flag.range };
    const list = values[flag.name];
    if (kind === 'strings' && Array.isArray(list)) list.push(value);
    else values[flag.name] = value;
  }
  return values as FlagValues<S>;
}

function boolValue(ctx: Ctx, display: string, given: string | null, range: Range): boolean {
  switch (given?.toLowerCase() ?? '') {
    case '':
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      return fail(ctx, `expecting boolean value for flag ${display}, not: ${given ?? ''}`, range);
  }
}

/** The value of a string flag, or `null` when it was not given. */
export function valueOf(flag: GivenFlag | null): string | null {
  return flag === null ? null : flag.value;
}
