/**
 * RUN: the process arguments (SHELL-wrapped shell form, heredoc scripts), its
 * environment, mounts, and BuildKit's history text (`dispatchRun`).
 * See https://docs.docker.com/reference/dockerfile/#run and
 * https://docs.docker.com/reference/dockerfile/#here-documents
 */
import { chompHeredocContent, parseMount, type InstructionCommand } from '../../parser/runtime.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { withShell } from './config-steps.js';
import type { StagePlanner } from './context.js';
import { located } from './expand.js';
import { sourceRef } from './from-ref.js';
import type { NodeCommand } from './graph.js';
import { mountFromOf, planMount, type MountSpec } from './mount-spec.js';
import { DEFAULT_SANDBOX_HOSTNAME } from './sandbox.js';
import type { InlineFile, RunMount } from './types.js';

type RunCommand = Extract<InstructionCommand, { kind: 'run' }>;

/** Where a heredoc script is mounted (read-only) when it names its interpreter. */
const pipesDir = '/dev/pipes/';

/** Plans one RUN. */
export function planRun(p: StagePlanner, c: NodeCommand, cmd: RunCommand): void {
  const { args, files, summary } = located(p.scope.filename, cmd.range, () => runArgs(p, cmd));
  const mounts = planMounts(p, c, cmd);
  const name = p.progressName(c, true, summary === null ? '' : ` (${summary})`);
  const createdBy = `RUN ${runCommandString(p, args)}`;
  const historyIndex = p.state.commit(createdBy, true, true);
  const vars = p.state.varsList();
  const proxy = p.scope.proxy.filter(([k]) => !p.state.vars.has(k)).map(([k, v]) => `${k}=${v}`);
  const { user, cwd } = p.state;
  const { hostname } = p.scope;
  p.push({
    kind: 'run', name, args, env: proxy.length === 0 ? vars : [...vars, ...proxy], user, cwd, hostname, network: cmd.network, security: cmd.security, mounts, files,
    range: cmd.range, createdBy: `${createdBy} # buildkit`, historyIndex, onbuild: c.onbuild,
    definition: {
      op: 'run', args, env: vars, user, cwd, network: cmd.network, security: cmd.security, mounts,
      files: files.map((f) => ({ path: f.path, data: f.data, mode: f.mode })),
      // Only when set: steps with the default name keep the keys they had.
      ...(hostname === DEFAULT_SANDBOX_HOSTNAME ? {} : { hostname }),
    },
  });
}

interface RunArgs {
  readonly args: string[];
  readonly files: InlineFile[];
  /** The heredoc summary BuildKit appends to the progress name. */
  readonly summary: string | null;
}

/**
 * The arguments. A RUN that is only `<<EOF` runs the body: as a file when it
 * starts with `#!`, else as the shell's script. Other heredocs are handed to
 * the shell with their bodies, as written.
 */
function runArgs(p: StagePlanner, cmd: RunCommand): RunArgs {
  const line = cmd.command;
  if (line.form === 'exec') {
    if (cmd.heredocs.length > 0) throw new InvalidArgumentError(`parsing produced an invalid run command: [${line.args.join(' ')}]`);
    return { args: [...line.args], files: [], summary: null };
  }
  const first = cmd.heredocs[0];
  if (first === undefined) return { args: withShell(p, line.script), files: [], summary: null };
  if (isSingleHeredoc(line.script)) {
    const data = first.chomp ? chompHeredocContent(first.content) : first.content;
    const summary = summarizeHeredoc(first.content);
    if (p.state.config.os !== 'windows' && data.startsWith('#!')) {
      const path = `${pipesDir}${first.name}`;
      return { args: withShell(p, path), files: [{ path, data, mode: 0o755 }], summary };
    }
    return { args: withShell(p, data), files: [], summary };
  }
  const script = cmd.heredocs.reduce((s, h) => `${s}\n${h.content}${h.name}`, line.script);
  return { args: withShell(p, script), files: [], summary: null };
}

/** True when the whole command is one heredoc word (`<<EOF`, `<<-"EOF"`), BuildKit's `MustParseHeredoc`. */
function isSingleHeredoc(script: string): boolean {
  const m = /^(\d*)<<(-?)([^<]*)$/.exec(script.trim());
  const rest = m?.[3]?.trim() ?? '';
  return rest !== '' && !/\s/.test(rest);
}

/** The body's first line, with `...` when there are more (BuildKit's `summarizeHeredoc`). */
function summarizeHeredoc(doc: string): string {
  const lines = doc.trim().replaceAll('\r\n', '\n').split('\n');
  return `${lines[0] ?? ''}${lines.length > 1 ? '...' : ''}`;
}

/**
 * BuildKit's `runCommandString`: the stage's ARGs as `|N K=V...` (current
 * values; declared-but-unset ones empty), then the arguments.
 */
function runCommandString(p: StagePlanner, args: readonly string[]): string {
  const entries = new Map<string, string>();
  for (const a of p.state.args) entries.set(a.key, `${a.key}=${p.state.vars.get(a.key) ?? a.value ?? ''}`);
  const prefix = entries.size > 0 ? [`|${entries.size}`, ...entries.values()] : [];
  return [...prefix, ...args].join(' ');
}

/** The mounts, expanded with the stage's variables and checked. */
function planMounts(p: StagePlanner, c: NodeCommand, cmd: RunCommand): RunMount[] {
  const filename = p.scope.filename;
  let ssh = 0;
  return cmd.mounts.map((m, i): RunMount => {
    const spec: MountSpec = m.resolved
      ? m.value
      : located(filename, m.range, () => parseMount(m.text, (v) => p.scope.expander.word(v, p.state.vars), { filename, range: m.range }));
    const target = c.mountFrom[i] ?? null;
    const written = spec.from ?? (m.resolved ? '' : mountFromOf(m.text) ?? '');
    const from = target === null || spec.type === 'tmpfs' ? null : sourceRef(p, c, target, written, 'mount');
    const sshIndex = spec.type === 'ssh' ? ssh++ : 0;
    return located(filename, m.range, () => planMount(spec, { cwd: p.state.cwd, from, sshIndex }));
  });
}
