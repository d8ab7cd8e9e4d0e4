/**
 * Groups a Dockerfile's commands into build stages, like BuildKit's
 * `instructions.Parse`: ARGs before the first FROM are global, every FROM
 * starts a stage, and anything else before the first FROM is an error.
 * See https://docs.docker.com/build/building/multi-stage/
 */
import { DockerfileSyntaxError } from '../errors.js';
import type { Dockerfile } from '../types.js';
import { goQuote } from '../../util/go-quote.js';
import { parseInstruction } from './parse.js';
import type { ArgCommand, FromCommand, Stage, StageCommand, Stages } from './types.js';

interface Draft {
  readonly from: FromCommand;
  readonly commands: StageCommand[];
}

/**
 * Parses every instruction and groups the commands into stages. Throws
 * {@link DockerfileSyntaxError} on the first bad instruction and on an
 * instruction other than ARG before the first FROM. A stage name used twice is
 * a warning, as in BuildKit (its DuplicateStageName lint rule).
 */
export function parseStages(df: Dockerfile): Stages {
  const globalArgs: ArgCommand[] = [];
  const drafts: Draft[] = [];
  const names = new Set<string>();
  const warnings: Stages['warnings'][number][] = [];
  for (const inst of df.instructions) {
    const cmd = parseInstruction(inst, df.filename);
    const current = drafts[drafts.length - 1];
    if (cmd.kind === 'from') {
      checkUniqueName(cmd, names, warnings);
      drafts.push({ from: cmd, commands: [] });
    } else if (current !== undefined) {
      current.commands.push(cmd);
    } else if (cmd.kind === 'arg') {
      globalArgs.push(cmd);
    } else {
      throw new DockerfileSyntaxError('no build stage in current context', df.filename, cmd.range);
    }
  }
  return { globalArgs, stages: drafts.map(toStage), warnings };
}

function checkUniqueName(from: FromCommand, names: Set<string>, warnings: Stages['warnings'][number][]): void {
  if (from.stageName === null) return;
  if (names.has(from.stageName)) {
    const msg = `duplicate stage name ${goQuote(from.stageName)}, stage names should be unique`;
    const args = from.source.args;
    const word = args.form === 'words' ? args.values[2] : undefined;
    warnings.push({ message: msg, range: word?.range ?? from.range });
  }
  names.add(from.stageName);
}

function toStage(draft: Draft, index: number): Stage {
  const last = draft.commands[draft.commands.length - 1] ?? draft.from;
  return {
    name: draft.from.stageName,
    index,
    from: draft.from,
    commands: draft.commands,
    range: { start: draft.from.range.start, end: last.range.end },
  };
}
