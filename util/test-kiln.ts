/**
 * Runs bin/kiln as a child process for e2e tests, asynchronously (so servers
 * in the test process keep answering), optionally under GNU time for the
 * child's peak RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './test-paths.js';

/** GNU time (Debian package `time`), for peak RSS. */
export const GNU_TIME = '/usr/bin/time';

export interface KilnRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A started bin/kiln; `output()` is what it printed so far. */
export interface KilnProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly done: Promise<KilnRun>;
}

/** Starts `bin/kiln args` with `env` added to the environment. */
export function startKiln(args: readonly string[], env: NodeJS.ProcessEnv = {}, wrap: readonly string[] = []): KilnProcess {
  const kiln = join(repoRoot(), 'bin', 'kiln');
  const [cmd, ...rest] = [...wrap, kiln, ...args];
  const child = spawn(cmd as string, rest, { cwd: repoRoot(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<KilnRun>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, output: () => stdout + stderr, done };
}

/** Runs bin/kiln to the end. */
export function runKiln(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<KilnRun> {
  return startKiln(args, env).done;
}

/** Runs bin/kiln under GNU time; `peakKiB` is its maximum resident set size. */
export async function runKilnMeasured(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<KilnRun & { readonly peakKiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-time-'));
  try {
    const out = join(dir, 'rss');
    const run = await startKiln(args, env, [GNU_TIME, '-f', '%M', '-o', out]).done;
    const peakKiB = Number((await readFile(out, 'utf8')).trim().split('\n').pop());
    return { ...run, peakKiB };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
