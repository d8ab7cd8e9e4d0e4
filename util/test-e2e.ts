/**
 * Gates for end-to-end tests: they need root and host tools. Outside CI a
 * missing requirement skips the file with a printed reason; in CI (CI=true)
 * it fails, so e2e tests never skip silently there.
 */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

/** Why e2e tests cannot run here, or undefined when they can. */
export function missingRequirement(tools: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  for (const t of tools) {
    if (spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0) return `${t} is not installed (run scripts/setup.sh)`;
  }
  return undefined;
}

/**
 * Returns true when the e2e file may run. Otherwise registers a failing test
 * in CI, or prints the reason and returns false outside CI.
 */
export function e2eReady(name: string, tools: readonly string[]): boolean {
  const why = missingRequirement(tools);
  if (why === undefined) return true;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    const s = suite(name);
    s('requirements', () => assert.unreachable(`e2e requirement missing in CI: ${why}`));
    s.run();
  } else {
    console.log(`skipping ${name}: ${why}`);
  }
  return false;
}
