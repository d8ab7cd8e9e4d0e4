// BuildKit's own vectors for the shell lexer, read in place from the shared
// conformance folder (format: shared/conformance/README.md, sections 4 and 5).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { skipGoSpace, trimGoSpaceEnd } from '../../util/space.js';
import { ShellExpansionError, ShellLex } from './index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'kiln') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('conformance: no package.json named "kiln" above the test file');
    dir = parent;
  }
}

const shared = process.env['KILN_SHARED'] ?? join(repoRoot(), '..', 'shared');
const shellDir = join(shared, 'conformance', 'buildkit', 'shell');

/** Lines as Go's bufio.Scanner yields them: no final empty line after the last LF. */
function readLines(name: string): string[] | undefined {
  const file = join(shellDir, name);
  if (!existsSync(file)) {
    test(`${name}: vectors present`, () => {
      assert.unreachable(`conformance vectors not found at ${file}; set KILN_SHARED to the shared folder`);
    });
    return undefined;
  }
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Go's strings.TrimSpace. */
function goTrim(s: string): string {
  const start = skipGoSpace(s, 0);
  return s.slice(start, trimGoSpaceEnd(s, start));
}

function expectError(run: () => unknown, input: string): void {
  try {
    const got = run();
    assert.unreachable(`expected ${JSON.stringify(input)} to fail, got ${JSON.stringify(got)}`);
  } catch (err) {
    if (err instanceof assert.Assertion) throw err;
    assert.instance(err, ShellExpansionError);
  }
}

function envVarTests(): void {
  const lines = readLines('envVarTest');
  if (lines === undefined) return;
  const env = new Map([
    ['PWD', '/home'],
    ['SHELL', 'bash'],
    ['KOREAN', '한국어'],
    ['NULL', ''],
  ]);
  const lex = new ShellLex();
  let count = 0;
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    if (raw.startsWith('#')) return;
    const line = goTrim(raw);
    if (line === '') return;
    const fields = line.split('|');
    const [platform, input, expected] = fields.map(goTrim);
    if (fields.length !== 3 || platform === undefined || input === undefined || expected === undefined) {
      test(`envVarTest:${lineNo} is well formed`, () => assert.unreachable(`need 3 fields: ${JSON.stringify(raw)}`));
      return;
    }
    if (platform === 'W') return; // Windows-only: case-insensitive variable names.
    if (platform !== 'A' && platform !== 'U') {
      test(`envVarTest:${lineNo} is well formed`, () => assert.unreachable(`bad platform tag ${platform}`));
      return;
    }
    count++;
    test(`envVarTest:${lineNo} ${input}`, () => {
      if (expected === 'error') expectError(() => lex.processWord(input, env), input);
      else assert.is(lex.processWord(input, env), expected);
    });
  });
  test('envVarTest: all 228 A and U lines are tested', () => assert.is(count, 228));
}

function wordsTests(): void {
  const lines = readLines('wordsTest');
  if (lines === undefined) return;
  const env = new Map<string, string>();
  const lex = new ShellLex();
  let count = 0;
  lines.forEach((line, idx) => {
    const lineNo = idx + 1;
    if (line.startsWith('#')) return;
    if (line.startsWith('ENV ')) {
      const def = line.slice(3).replace(/^ +/, '');
      const eq = def.indexOf('=');
      if (eq < 0) env.set(def, '');
      else env.set(def.slice(0, eq), def.slice(eq + 1));
      return;
    }
    const fields = line.split('|');
    if (fields.length !== 2) {
      test(`wordsTest:${lineNo} is well formed`, () => assert.unreachable(`need exactly one |: ${JSON.stringify(line)}`));
      return;
    }
    const input = goTrim(fields[0] as string);
    const expected = (fields[1] as string).replace(/^ +/, '').split(',');
    const snapshot = new Map(env);
    count++;
    test(`wordsTest:${lineNo} ${input}`, () => {
      if (expected.length === 1 && expected[0] === 'error') expectError(() => lex.processWords(input, snapshot), input);
      else assert.equal(lex.processWords(input, snapshot), expected);
    });
  });
  test('wordsTest: all 24 test lines are tested', () => assert.is(count, 24));
}

envVarTests();
wordsTests();
test.run();
