/**
 * BuildKit's AST dump (`Node.Dump()`), the format of the conformance `result`
 * files: one `(name ["--flag" ...] "arg" ...)` line per instruction.
 */
import { goQuote, goQuoteList } from '../util/go-quote.js';
import type { Args, Dockerfile, Instruction } from './types.js';

/** The whole file's dump, one line per instruction, each ending in `\n`. */
export function dumpDockerfile(df: Dockerfile): string {
  let out = '';
  for (const inst of df.instructions) out += `(${dumpInstruction(inst)})\n`;
  return out;
}

/** One instruction's dump, without the surrounding parentheses. */
export function dumpInstruction(inst: Instruction): string {
  let s = inst.name;
  if (inst.flags.length > 0) s += ' ' + goQuoteList(inst.flags.map((f) => f.raw));
  for (const part of argNodes(inst.args)) s += ' ' + part;
  return s.trim();
}

/** The argument nodes as BuildKit links them, each already formatted. */
function argNodes(args: Args): string[] {
  switch (args.form) {
    case 'json':
    case 'words':
      return args.values.map((w) => goQuote(w.value));
    case 'string':
      return args.value === null ? [] : [goQuote(args.value.value)];
    case 'keyValue':
      return args.pairs.flatMap((p) => [goQuote(p.key.value), goQuote(p.value.value), goQuote(p.legacy ? '' : '=')]);
    case 'healthcheck': {
      if (args.type === null) return [];
      const cmd = args.command === null ? [] : argNodes(args.command);
      return [goQuote(args.type.value), ...cmd];
    }
    case 'onbuild':
      return args.instruction === null ? [] : [`(${dumpInstruction(args.instruction)})`];
    case 'ignored':
      return [goQuote('')];
    default: {
      const never: never = args;
      throw new Error(`internal: unhandled argument form ${JSON.stringify(never)}`);
    }
  }
}
