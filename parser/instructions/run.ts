/**
 * `RUN [--mount=...] [--network=...] [--security=...] command`.
 * See https://docs.docker.com/reference/dockerfile/#run
 */
import { at, fail, isLiteral, type Ctx } from './ctx.js';
import { parseFlags, type GivenFlag } from './flags.js';
import { commandLineOf } from './command-line.js';
import { goQuote } from '../../util/go-quote.js';
import { checkFromIsStatic, checkKnownKey, fieldsOf, parseMountSpec, type Mount } from './mount.js';
import type { HeredocFile, NetworkMode, Resolvable, RunCommand, SecurityMode } from './types.js';

const runFlags = { mount: 'strings', network: 'string', security: 'string' } as const;
const networkModes: readonly NetworkMode[] = ['default', 'none', 'host'];
const securityModes: readonly SecurityMode[] = ['sandbox', 'insecure'];

/** Parses RUN; mounts are checked before `--network`, then `--security`, as in BuildKit. */
export function parseRun(ctx: Ctx): RunCommand {
  const flags = parseFlags(ctx, runFlags);
  const command = commandLineOf(ctx);
  const mounts = flags.mount.map((flag) => resolveMount(ctx, flag));
  const network = pick(ctx, flags.network, 'default', networkModes, (v) => `invalid network mode ${goQuote(v)}`);
  const security = pick(ctx, flags.security, 'sandbox', securityModes, (v) => `security ${goQuote(v)} is not valid`);
  const heredocs = ctx.inst.heredocs.map(
    (h): HeredocFile => ({ name: h.name, content: h.content, chomp: h.chomp, expand: h.expand }),
  );
  return { kind: 'run', command, heredocs, mounts, network, security, range: ctx.inst.range, source: ctx.inst };
}

function pick<T extends string>(ctx: Ctx, flag: GivenFlag | null, fallback: T, allowed: readonly T[], message: (v: string) => string): T {
  if (flag === null) return fallback;
  const found = allowed.find((a) => a === flag.value);
  return found ?? fail(ctx, message(flag.value), flag.range);
}

/**
 * Checks a `--mount` now when none of its values can change by expansion;
 * otherwise checks what BuildKit checks before expansion (the CSV, `from=`
 * without variables, known option names) and leaves the rest for later.
 */
function resolveMount(ctx: Ctx, flag: GivenFlag): Resolvable<Mount> {
  return at(ctx, flag.range, (): Resolvable<Mount> => {
    const base = { text: flag.value, range: flag.range };
    const options = fieldsOf(flag.value).map((field) => {
      const eq = field.indexOf('=');
      return { field, key: field.slice(0, eq < 0 ? field.length : eq).toLowerCase(), value: eq < 0 ? null : field.slice(eq + 1) };
    });
    if (options.every((o) => o.value === null || isLiteral(o.value))) {
      return { resolved: true, value: parseMountSpec(flag.value, (v) => v), ...base };
    }
    for (const o of options) {
      if (o.value === null) continue;
      if (o.key === 'from') checkFromIsStatic(o.value);
      checkKnownKey(o.key, o.field);
    }
    return { resolved: false, ...base };
  });
}
