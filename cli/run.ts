/**
 * The kiln CLI: wires commander to the library, prints results and errors,
 * and is the only place that decides exit codes (cli/exit-codes.ts).
 */
import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { formatError, isExpected } from './errors.js';
import { errorLine, wantsJsonProgress } from './error-json.js';
import { exitCodeFor } from './exit-codes.js';
import { checkBuildUsage, type BuildUsage } from './build-usage.js';
import { configureHelp, usageErrorLines } from './help.js';
import { preflight } from './preflight.js';
import { needsUserNamespace, planUserNamespace, runInUserNamespace } from './rootless.js';
import { makeProgram } from './program.js';
import { watchSignals } from './signals.js';
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
  // An ordinary user's kiln runs again inside its user namespace (cli/rootless.ts).
  if (needsUserNamespace(argv, process.geteuid?.() ?? 0)) return rootlessMain(argv);
  const sources = new Map<string, string>();
  let exitCode = 0;
  // `--progress json`: everything kiln itself writes to stderr is a JSON line too.
  const json = wantsJsonProgress(argv) && argv.includes('build');
  const ctx: CliContext = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(json ? warningLines(s) : s),
    readStdin,
    addSource: (f, t) => sources.set(f, t),
    setExitCode: (c) => {
      exitCode = c;
    },
  };
  const output = {
    writeOut: (s: string) => ctx.stdout(s),
    // In JSON mode a usage error is printed once, as the error line.
    writeErr: (s: string) => (json && s.startsWith('error:') ? undefined : ctx.stderr(usageErrorLines(s))),
  };
  const signals = watchSignals();
  const state = { command: undefined as string | undefined, working: false };
  try {
    const program = makeProgram(ctx, readVersion());
    for (const cmd of allCommands(program)) configureHelp(cmd.exitOverride().configureOutput(output));
    program.hook('preAction', async (_self, action) => {
      state.command = topCommand(action);
      if (action.name() === 'build') {
        if (action.getOptionValue('progress') === 'rawjson') action.setOptionValue('progress', 'json'); // buildx's name for it
        await checkBuildUsage(action.opts<BuildUsage>());
      }
      // --dry-run only plans: it mounts and runs nothing.
      if (action.getOptionValue('dryRun') !== true) await preflight(action.name(), { runtime: action.optsWithGlobals<{ runtime?: string }>().runtime });
      state.working = true;
    });
    // Which command failed decides its exit code even when commander rejects its flags.
    state.command = argv.map((a) => program.commands.find((c) => c.name() === a || c.aliases().includes(a))).find((c) => c !== undefined)?.name();
    await program.parseAsync([...argv], { from: 'user' });
    return exitCodeFor(undefined, { ...state, signal: signals.first() }, exitCode);
  } catch (err) {
    const code = exitCodeFor(err, { ...state, signal: signals.first() });
    const debug = argv.includes('--debug');
    if (json) {
      if (!(err instanceof CommanderError && err.exitCode === 0)) process.stderr.write(errorLine(err, { sources: (f) => sources.get(f), exitCode: code, debug }));
      return code;
    }
    if (err instanceof CommanderError) return code;
    const hint = debug || isExpected(err) ? '' : ' (internal error; run with --debug for details)';
    ctx.stderr(`${formatError(err, { debug, sources: (f) => sources.get(f) })}${hint}\n`);
    return code;
  } finally {
    signals.stop();
  }
}

/** Text kiln would print on stderr (a warning), as JSON lines. */
function warningLines(s: string): string {
  return s
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => `${JSON.stringify({ type: 'build.warning', time: Date.now(), message: l.replace(/^warning: /, '') })}\n`)
    .join('');
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

/** The first-level subcommand an action belongs to (`system df` → `system`). */
function topCommand(action: Command): string {
  let c = action;
  while (c.parent?.parent != null) c = c.parent;
  return c.name();
}

/** Re-runs kiln in its user namespace; a host that forbids it gets one line. */
async function rootlessMain(argv: readonly string[]): Promise<number> {
  try {
    return await runInUserNamespace(argv, await planUserNamespace());
  } catch (err) {
    process.stderr.write(`${formatError(err, { debug: argv.includes('--debug'), sources: () => undefined })}\n`);
    return exitCodeFor(err, { command: undefined, working: false, signal: undefined });
  }
}
