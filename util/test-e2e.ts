/**
 * The one gate for tests that need what a host may lack (root, overlayfs, a
 * tool on PATH). A test that cannot run never passes quietly: the gate prints
 * a marker line, `KILN-SKIP <what>: <reason>`, that scripts/test.mjs collects.
 * The runner lists every skip at the end, and in CI (util/ci.ts) each one is a
 * failure; there the file also exits non-zero, so a plain `uvu` run fails too.
 * Callers run nothing when the gate says no, so a skip is never counted as a pass.
 */
import { spawnSync } from 'node:child_process';
import { inCI } from './ci.js';

/** The marker scripts/test.mjs reads from a test file's stdout. */
export const SKIP_MARKER = 'KILN-SKIP';

const reported = new Set<string>();

/** Reports that `what` did not run, and why (once per what and reason). */
export function reportSkip(what: string, reason: string): void {
  const line = `${SKIP_MARKER} ${what}: ${reason.replace(/\s+/g, ' ')}`;
  if (reported.has(line)) return;
  reported.add(line);
  // On a line of its own: uvu's reporter leaves the suite name's line open.
  process.stdout.write(`\n${line}\n`);
  // uvu sets the exit code when its run ends; this runs after it.
  if (inCI()) process.once('exit', () => (process.exitCode = 1));
}

/** Whether `tool` (a command name or a path) can be found by sh. */
export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0;
}

/** Why e2e tests cannot run here, or undefined when they can. */
export function missingRequirement(tools: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const t of tools) {
    if (!hasTool(t)) return `${t} is not installed (run scripts/setup.sh)`;
  }
  return undefined;
}

/** True when `name` may run (root and every tool present); otherwise reports the skip. */
export function e2eReady(name: string, tools: readonly string[]): boolean {
  const why = missingRequirement(tools);
  if (why === undefined) return true;
  reportSkip(name, why);
  return false;
}

/** True when running as root; otherwise reports `what` (a root-only part of a test) as skipped. */
export function rootReady(what: string): boolean {
  if (process.getuid?.() === 0) return true;
  reportSkip(what, 'not running as root');
  return false;
}
