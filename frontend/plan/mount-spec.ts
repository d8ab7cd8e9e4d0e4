/**
 * `RUN --mount` after expansion: BuildKit's defaults (cache id, secret and
 * ssh targets, modes) filled in and targets made absolute, as in BuildKit's
 * `dispatchRunMounts`, `dispatchSecret` and `dispatchSSH`.
 * See https://docs.docker.com/reference/dockerfile/#run---mount
 */
import type { parseMount } from '../../parser/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { basePath, cleanPath, joinPath } from './paths.js';
import type { RunMount, SourceRef } from './types.js';

/** An expanded, checked mount spec. */
export type MountSpec = ReturnType<typeof parseMount>;

/**
 * The `from=` of a mount spec not checked yet (it holds variables elsewhere;
 * `from` itself never does). `null` when absent.
 */
export function mountFromOf(spec: string): string | null {
  for (const field of splitFields(spec)) {
    const eq = field.indexOf('=');
    if (eq > 0 && field.slice(0, eq).toLowerCase() === 'from') return field.slice(eq + 1);
  }
  return null;
}

/** Comma-separated fields, double quotes grouping (enough to find `from=`; the parser checked the CSV). */
function splitFields(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of spec) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Where a mount is planned. */
export interface MountContext {
  /** The working directory relative targets resolve against. */
  readonly cwd: string;
  /** What `from=` names (`null` without `from=`). */
  readonly from: SourceRef | null;
  /** This mount's position among the RUN's ssh mounts (for the default socket path). */
  readonly sshIndex: number;
}

/** A bind/cache/tmpfs target made absolute; `/` is refused like BuildKit. */
function mountTarget(target: string | null, cwd: string): string {
  const t = target ?? '';
  const abs = cleanPath(t).startsWith('/') ? t : joinPath('/', cwd, t);
  if (abs === '/') throw new InvalidArgumentError(`invalid mount target "${abs}"`);
  return abs;
}

/** One mount with defaults filled. Throws InvalidArgumentError with BuildKit's message. */
export function planMount(m: MountSpec, ctx: MountContext): RunMount {
  switch (m.type) {
    case 'bind':
      return { type: 'bind', target: mountTarget(m.target, ctx.cwd), from: ctx.from ?? { kind: 'context' }, source: joinPath('/', m.source ?? ''), readOnly: m.readOnly };
    case 'cache':
      return {
        type: 'cache', target: mountTarget(m.target, ctx.cwd), from: ctx.from ?? { kind: 'scratch' }, source: joinPath('/', m.source ?? ''),
        id: m.id !== null && m.id !== '' ? m.id : cleanPath(m.target ?? ''), sharing: m.sharing ?? 'shared', readOnly: m.readOnly,
        mode: m.mode, uid: m.uid, gid: m.gid,
      };
    case 'tmpfs':
      return { type: 'tmpfs', target: mountTarget(m.target, ctx.cwd), size: m.size };
    case 'secret':
      return secretMount(m);
    case 'ssh':
      return sshMount(m, ctx.sshIndex);
    default: {
      const never: never = m.type;
      throw new Error(`internal: unhandled mount type ${String(never)}`);
    }
  }
}

function secretMount(m: MountSpec): RunMount {
  let id = m.source !== null && m.source !== '' ? m.source : (m.id ?? '');
  const target = m.target !== null && m.target !== '' ? m.target : null;
  if (id === '') {
    if (target === null) throw new InvalidArgumentError('one of source, target required');
    id = basePath(target);
  }
  const env = m.env !== null && m.env !== '' ? m.env : null;
  return {
    type: 'secret', id, env, required: m.required, mode: m.mode ?? 0o400, uid: m.uid ?? 0, gid: m.gid ?? 0,
    target: target ?? (env === null ? `/run/secrets/${basePath(id)}` : null),
  };
}

function sshMount(m: MountSpec, index: number): RunMount {
  if (m.source !== null && m.source !== '') throw new InvalidArgumentError('ssh does not support source');
  return {
    type: 'ssh', id: m.id !== null && m.id !== '' ? m.id : 'default', required: m.required, mode: m.mode ?? 0o600, uid: m.uid ?? 0, gid: m.gid ?? 0,
    target: m.target !== null && m.target !== '' ? m.target : `/run/buildkit/ssh_agent.${index}`,
  };
}
