/**
 * COPY and ADD: sources and destination expanded, the destination resolved
 * against WORKDIR, flags checked, and BuildKit's history text
 * (`dispatchCopy` in `convert_copy.go`).
 * See https://docs.docker.com/reference/dockerfile/#copy and
 * https://docs.docker.com/reference/dockerfile/#add
 */
import type { InstructionCommand } from '../../parser/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import type { StagePlanner } from './context.js';
import { located } from './expand.js';
import { sourceRef } from './from-ref.js';
import type { NodeCommand } from './graph.js';
import { destPath } from './paths.js';
import type { AddOptions, InlineFile, SourceRef } from './types.js';

type CopyLike = Extract<InstructionCommand, { kind: 'copy' | 'add' }>;

/** Plans one COPY or ADD. */
export function planCopy(p: StagePlanner, c: NodeCommand, cmd: CopyLike): void {
  const isAdd = cmd.kind === 'add';
  const from: SourceRef = cmd.kind === 'copy' && cmd.from !== null && c.copyFrom !== null
    ? sourceRef(p, c, c.copyFrom, cmd.from, 'copy')
    : { kind: 'context' };
  const sources = cmd.sources.map((w) => p.word(w.value, w.range));
  const rawDest = p.word(cmd.dest.value, cmd.dest.range);
  const chown = optional(p, cmd.chown, cmd);
  const chmod = optional(p, cmd.chmod, cmd);
  const add: AddOptions | null = cmd.kind === 'add' ? { checksum: optional(p, cmd.checksum, cmd), keepGitDir: cmd.keepGitDir, unpack: cmd.unpack } : null;
  located(p.scope.filename, cmd.range, () => checkCopy(isAdd, sources, chmod, add));
  const inline: InlineFile[] = cmd.inline.map((s) => ({
    path: s.path,
    data: s.expand ? located(p.scope.filename, cmd.range, () => p.scope.expander.heredoc(s.data, p.state.vars)) : s.data,
    mode: 0o644,
  }));
  const dest = destPath(p.state.cwd, rawDest);
  const name = p.progressName(c, false);
  const createdBy = copyHistory(cmd, { chown, chmod, sources, inline, rawDest });
  const historyIndex = p.state.commit(createdBy, true, true);
  const parents = cmd.kind === 'copy' && cmd.parents;
  const excludes = [...cmd.excludes];
  p.push({
    kind: 'copy', name, isAdd, add, from, sources, inline, dest, destIsDir: dest.endsWith('/') || dest.endsWith('/.'),
    chown, chmod, link: cmd.link, parents, excludes,
    range: cmd.range, createdBy: `${createdBy} # buildkit`, historyIndex, onbuild: c.onbuild,
    definition: {
      op: isAdd ? 'add' : 'copy', from, sources, dest, chown, chmod, link: cmd.link, parents, excludes,
      inline: inline.map((f) => ({ path: f.path, data: f.data, mode: f.mode })),
      add: add === null ? null : { checksum: add.checksum, keepGitDir: add.keepGitDir, unpack: add.unpack },
    },
  });
}

/** A flag value expanded; empty means not given. */
function optional(p: StagePlanner, value: string | null, cmd: CopyLike): string | null {
  if (value === null) return null;
  const v = p.word(value, cmd.range);
  return v === '' ? null : v;
}

interface HistoryParts {
  readonly chown: string | null;
  readonly chmod: string | null;
  readonly sources: readonly string[];
  readonly inline: readonly InlineFile[];
  readonly rawDest: string;
}

/** `COPY [--parents] [--chown=..] [--chmod=..] src... <<doc... dest` (no `--from`, `--link`). */
function copyHistory(cmd: CopyLike, h: HistoryParts): string {
  const parts = [cmd.kind === 'add' ? 'ADD' : 'COPY'];
  if (cmd.kind === 'copy' && cmd.parents) parts.push('--parents');
  if (h.chown !== null) parts.push(`--chown=${h.chown}`);
  if (h.chmod !== null) parts.push(`--chmod=${h.chmod}`);
  parts.push(...h.sources, ...h.inline.map((f) => `<<${f.path}`), h.rawDest);
  return parts.join(' ');
}

/** A git source as BuildKit's `dfgitutil.ParseGitRef` tells one apart from a path or plain URL. */
function isGitSource(src: string): boolean {
  if (/^(git:\/\/|git@|ssh:\/\/)/.test(src)) return true;
  return /^https?:\/\//.test(src) && /\.git(#|\?|$)/.test(src);
}

function isHttpSource(src: string): boolean {
  return /^https?:\/\//.test(src) && !isGitSource(src);
}

/** BuildKit's checks on sources, `--chmod` and `--checksum`; throws InvalidArgumentError with its messages. */
function checkCopy(isAdd: boolean, sources: readonly string[], chmod: string | null, add: AddOptions | null): void {
  if (chmod !== null) checkChmod(chmod);
  if (add !== null && add.checksum !== null) {
    if (sources.length !== 1) throw new InvalidArgumentError("checksum can't be specified for multiple sources");
    const src = sources[0] ?? '';
    if (!isHttpSource(src) && !isGitSource(src)) throw new InvalidArgumentError('checksum requires HTTP(S) or Git sources');
  }
  if (isAdd) return;
  for (const src of sources) {
    if (isGitSource(src)) throw new InvalidArgumentError("source can't be a git ref for COPY");
    if (isHttpSource(src)) throw new InvalidArgumentError("source can't be a URL for COPY");
  }
}

/** `--chmod`: octal up to 07777, or a symbolic mode (`u+x,go=r`). */
function checkChmod(chmod: string): void {
  const bad = `invalid chmod parameter: '${chmod}'. it should be octal string and between 0 and 07777`;
  if (/^[0-9]+$/.test(chmod)) {
    if (!/^[0-7]+$/.test(chmod) || parseInt(chmod, 8) > 0o7777) throw new InvalidArgumentError(bad);
    return;
  }
  const clause = '[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+';
  if (!new RegExp(`^${clause}(?:,${clause})*$`).test(chmod)) throw new InvalidArgumentError(bad);
}
