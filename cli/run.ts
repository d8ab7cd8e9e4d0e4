/**
 * The kiln CLI: wires commander to the library, prints results and errors,
 * and is the only place that decides exit codes (0 ok, 1 failure, 2 usage).
 */
import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { formatError, isExpected } from './errors.js';
import { makeProgram } from './program.js';
import type { CliContext } from './context.js';

function readVersion(): string {
  // Both dist/cli/main.js and dist/bundle/main.js sit two levels below the repo root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const sources = new Map<string, string>();
  let exitCode = 0;
  const ctx: CliContext = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin,
    addSource: (f, t) => sources.set(f, t),
    setExitCode: (c) => {
      exitCode = c;
    },
  };
  const output = {
    writeOut: (s: string) => ctx.stdout(s),
    // Usage errors are one line: commander's message without the help hint.
    writeErr: (s: string) => ctx.stderr(s.startsWith('error:') ? `${s.split('\n')[0]}\n` : s),
  };
  try {
    const program = makeProgram(ctx, readVersion());
    const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
    for (const cmd of all(program)) cmd.exitOverride().configureOutput(output);
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const debug = argv.includes('--debug');
    const hint = debug || isExpected(err) ? '' : ' (internal error; run with --debug for details)';
    ctx.stderr(`${formatError(err, { debug, sources: (f) => sources.get(f) })}${hint}\n`);
    // A container that never started exits like docker run (125, 126 or 127).
    const code = err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : 1;
    return code;
  }
}

