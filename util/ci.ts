/**
 * The one definition of "running in CI", shared by the test runner
 * (scripts/test.mjs) and the e2e gate (util/test-e2e.ts): `CI` set to any
 * non-empty value other than `false` or `0` (GitHub Actions, GitLab and most
 * others set `CI=true`).
 */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['CI'];
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}
