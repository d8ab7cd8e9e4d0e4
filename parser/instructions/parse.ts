/**
 * One syntax-tree instruction → one typed command, like BuildKit's
 * `instructions.ParseInstruction`.
 */
import type { Instruction } from '../types.js';
import { fail, type Ctx } from './ctx.js';
import { parseCmd, parseEntrypoint, parseShell } from './command-line.js';
import { parseAdd, parseCopy } from './copy.js';
import { parseExpose } from './expose.js';
import { parseFrom, parseOnbuild } from './from.js';
import { parseHealthcheck } from './healthcheck.js';
import { parseArg, parseEnv, parseLabel } from './key-value.js';
import { parseRun } from './run.js';
import { parseMaintainer, parseStopSignal, parseUser, parseVolume, parseWorkdir } from './single.js';
import { withSuggestion } from './suggest.js';
import type { Command } from './types.js';

/** Every instruction BuildKit knows, lowercase. */
export const instructionNames = [
  'add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck',
  'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir',
] as const;

/** A known instruction name. */
export type InstructionName = (typeof instructionNames)[number];

function isInstructionName(name: string): name is InstructionName {
  return (instructionNames as readonly string[]).includes(name);
}

/**
 * Parses one instruction into its typed command. Throws
 * `DockerfileSyntaxError` at the instruction, flag
 * or word at fault; an unknown instruction gets a "did you mean" hint.
 */
export function parseInstruction(inst: Instruction, filename: string): Command {
  const ctx: Ctx = { inst, filename };
  const name = inst.name;
  if (!isInstructionName(name)) {
    const upper = instructionNames.map((n) => n.toUpperCase());
    return fail(ctx, withSuggestion(`unknown instruction: ${inst.keyword}`, inst.keyword, upper, false), inst.keywordRange);
  }
  return dispatch(ctx, name);
}

function dispatch(ctx: Ctx, name: InstructionName): Command {
  switch (name) {
    case 'add': return parseAdd(ctx);
    case 'arg': return parseArg(ctx);
    case 'cmd': return parseCmd(ctx);
    case 'copy': return parseCopy(ctx);
    case 'entrypoint': return parseEntrypoint(ctx);
    case 'env': return parseEnv(ctx);
    case 'expose': return parseExpose(ctx);
    case 'from': return parseFrom(ctx);
    case 'healthcheck': return parseHealthcheck(ctx);
    case 'label': return parseLabel(ctx);
    case 'maintainer': return parseMaintainer(ctx);
    case 'onbuild': return parseOnbuild(ctx);
    case 'run': return parseRun(ctx);
    case 'shell': return parseShell(ctx);
    case 'stopsignal': return parseStopSignal(ctx);
    case 'user': return parseUser(ctx);
    case 'volume': return parseVolume(ctx);
    case 'workdir': return parseWorkdir(ctx);
    default: {
      const never: never = name;
      throw new Error(`internal: unhandled instruction ${String(never)}`);
    }
  }
}
