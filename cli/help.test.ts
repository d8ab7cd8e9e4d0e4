// Help text and usage errors as a user reads them, from bin/kiln.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../util/test-paths.js';
import { usageErrorLines } from './help.js';

const test = suite('help and usage errors');
const kiln = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(join(repoRoot(), 'bin', 'kiln'), args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

test('--help shows real defaults but not the empty lists of repeatable flags', () => {
  for (const cmd of ['build', 'run', 'images']) {
    const r = kiln(cmd, '--help');
    assert.is(r.code, 0);
    assert.not.match(r.stdout, /default: \[\]|default: \{\}/, cmd);
  }
  assert.match(kiln('build', '--help').stdout.replace(/\s+/g, ' '), /default: "auto"/, 'help wraps long lines: compare words');
});

test('a mistyped command or flag gets its suggestion, and nothing else', () => {
  assert.equal(kiln('imgaes'), { code: 2, stdout: '', stderr: "error: unknown command 'imgaes'\n(Did you mean images?)\n" });
  assert.equal(kiln('images', '--digest'), { code: 2, stdout: '', stderr: "error: unknown option '--digest'\n(Did you mean --digests?)\n" });
  assert.is(usageErrorLines("error: too many arguments\n\nUsage: kiln x\n"), 'error: too many arguments\n');
});

test('kiln version names the version, Node.js and the runtime', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
  const r = kiln('version');
  assert.is(r.code, 0);
  assert.match(r.stdout, new RegExp(`^kiln version ${pkg.version.replace(/\./g, '\\.')}\\n Node: +v\\d+`));
  const json = JSON.parse(kiln('version', '--format', 'json').stdout) as Record<string, string>;
  assert.equal(Object.keys(json), ['Version', 'Node', 'OsArch', 'Runtime']);
  assert.is(json.Version, pkg.version);
});

test.run();
