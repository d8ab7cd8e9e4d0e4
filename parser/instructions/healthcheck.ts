/**
 * `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=D --timeout=D --start-period=D
 * --start-interval=D --retries=N] CMD command`.
 * See https://docs.docker.com/reference/dockerfile/#healthcheck
 */
import type { JsonOrString, Word } from '../types.js';
import { at, fail, internal, SpecError, type Ctx } from './ctx.js';
import { parseGoDuration } from './duration.js';
import { parseFlags, type GivenFlag } from './flags.js';
import { goQuote } from '../../util/go-quote.js';
import { goParseInt32 } from './go-strconv.js';
import type { Healthcheck, HealthcheckCommand } from './types.js';

const healthFlags = {
  interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string',
} as const;

/** Docker's smallest accepted interval, 1ms, in nanoseconds. */
const MIN_DURATION = 1_000_000;

/** Parses HEALTHCHECK. With NONE, flags are not looked at (as in BuildKit). */
export function parseHealthcheck(ctx: Ctx): HealthcheckCommand {
  const args = ctx.inst.args;
  if (args.form !== 'healthcheck') return internal(ctx, `${args.form} arguments`);
  if (args.type === null) fail(ctx, 'HEALTHCHECK requires at least one argument');
  const health = args.type.value.toUpperCase() === 'NONE' ? none(ctx, args.command) : check(ctx, args.type, args.command);
  return { kind: 'healthcheck', health, range: ctx.inst.range, source: ctx.inst };
}

function none(ctx: Ctx, command: JsonOrString | null): Healthcheck {
  if (command !== null) fail(ctx, 'HEALTHCHECK NONE takes no arguments');
  return { type: 'none' };
}

function check(ctx: Ctx, type: Word, command: JsonOrString | null): Healthcheck {
  const flags = parseFlags(ctx, healthFlags);
  const typ = type.value.toUpperCase();
  if (typ !== 'CMD') fail(ctx, `Unknown type ${goQuote(typ)} in HEALTHCHECK (try CMD)`, type.range);
  const test = testOf(command);
  if (test === null) fail(ctx, 'Missing command after HEALTHCHECK CMD');
  return {
    type: 'cmd',
    test,
    interval: interval(ctx, 'interval', flags.interval),
    timeout: interval(ctx, 'timeout', flags.timeout),
    startPeriod: interval(ctx, 'start-period', flags['start-period']),
    startInterval: interval(ctx, 'start-interval', flags['start-interval']),
    retries: retries(ctx, flags.retries),
  };
}

/** `['CMD', ...]` for the JSON form, `['CMD-SHELL', script]` otherwise; `null` when empty. */
function testOf(command: JsonOrString | null): string[] | null {
  if (command === null) return null;
  if (command.form === 'json') return command.values.length === 0 ? null : ['CMD', ...command.values.map((w) => w.value)];
  return command.value === null ? null : ['CMD-SHELL', command.value.value];
}

/** A duration flag in nanoseconds; 0 when absent or zero; else at least 1ms. */
function interval(ctx: Ctx, name: string, flag: GivenFlag | null): number {
  if (flag === null || flag.value === '') return 0;
  return at(ctx, flag.range, () => {
    const d = parseGoDuration(flag.value);
    if (d !== 0 && d < MIN_DURATION) throw new SpecError(`Interval ${goQuote(name)} cannot be less than 1ms`);
    return d;
  });
}

function retries(ctx: Ctx, flag: GivenFlag | null): number {
  if (flag === null || flag.value === '') return 0;
  return at(ctx, flag.range, () => {
    const n = goParseInt32(flag.value);
    if (n < 0) throw new SpecError(`--retries cannot be negative (${n})`);
    return n;
  });
}
