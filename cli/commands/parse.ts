import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { NotFoundError } from '../../util/errors.js';

/** `kiln parse [--format json|tree] [FILE|-]`: prints a Dockerfile's syntax tree. */
export function makeParseCommand(ctx: CliContext): Command {
  return new Command('parse')
    .description('parse a Dockerfile and print its syntax tree')
    .argument('[file]', 'the Dockerfile, or - for standard input', 'Dockerfile')
    .addOption(
      new Option('--format <format>', 'tree: BuildKit\'s AST dump; json: the syntax tree; stages: typed, checked instructions')
        .choices(['json', 'tree', 'stages'])
        .default('tree'),
    )
    .action(async (file: string, opts: { format: 'json' | 'tree' | 'stages' }) => {
      const { text, filename } = await readDockerfile(file, ctx);
      ctx.addSource(filename, text);
      const { parse, parseStages, dumpDockerfile } = await import('../../parser/index.js');
      const ast = parse(text, { filename });
      if (opts.format === 'tree') ctx.stdout(dumpDockerfile(ast));
      else if (opts.format === 'json') ctx.stdout(`${JSON.stringify(ast, null, 2)}\n`);
      else ctx.stdout(`${JSON.stringify(parseStages(ast), omitSource, 2)}\n`);
    });
}

async function readDockerfile(file: string, ctx: CliContext): Promise<{ text: string; filename: string }> {
  if (file === '-') return { text: await ctx.readStdin(), filename: '<stdin>' };
  try {
    return { text: await readFile(file, 'utf8'), filename: file };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`dockerfile ${file}: no such file`, { cause: err });
    if (code === 'EISDIR') throw new NotFoundError(`dockerfile ${file}: is a directory`, { cause: err });
    throw new NotFoundError(`dockerfile ${file}: cannot read (${code ?? 'unknown error'})`, { cause: err });
  }
}

/** Drops the syntax nodes the typed commands point back to, to keep `--format stages` readable. */
function omitSource(key: string, value: unknown): unknown {
  return key === 'source' || key === 'instruction' ? undefined : value;
}
