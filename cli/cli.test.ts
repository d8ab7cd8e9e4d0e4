// The kiln binary as a user runs it: bin/kiln, a real process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot, sharedDir } from '../util/test-paths.js';

const root = repoRoot();
const kiln = join(root, 'bin', 'kiln');

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(kiln, args, { cwd: root, input: input ?? '', encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cli = suite('kiln CLI');

cli('--version prints the package version', () => {
  const r = run(['--version']);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), pkg.version);
});

cli('--help lists the commands', () => {
  const r = run(['--help']);
  assert.is(r.code, 0);
  for (const c of ['parse', 'build', 'run', 'push']) assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
});

cli('an unknown option is a one-line usage error with exit 2', () => {
  const r = run(['parse', '--bogus']);
  assert.is(r.code, 2);
  assert.is(r.stderr, "error: unknown option '--bogus'\n");
});

cli('an unknown command is a usage error with exit 2', () => {
  const r = run(['frobnicate']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^error: unknown command 'frobnicate'/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

cli('a bad --format value is a usage error', () => {
  const r = run(['parse', '--format', 'xml', 'testdata/demo/Dockerfile']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /xml/);
});

cli('a command on a missing image names it and exits 1', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiln-test-cli-'));
  try {
    const r = run(['--root', root, 'push', 'no-such-image']);
    assert.is(r.code, 1);
    assert.is(r.stderr, 'error: image no-such-image: not in the local store\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

cli('parse --format tree reproduces every BuildKit result', () => {
  const base = join(sharedDir(), 'conformance', 'buildkit', 'parser', 'testfiles');
  for (const name of readdirSync(base)) {
    const r = run(['parse', '--format', 'tree', join(base, name, 'Dockerfile')]);
    assert.is(r.code, 0, `${name}: ${r.stderr}`);
    assert.fixture(r.stdout, readFileSync(join(base, name, 'result'), 'utf8'), name);
  }
});

cli('parse reads standard input with -', () => {
  const r = run(['parse', '-'], 'from alpine\nRUN echo hi\n');
  assert.is(r.code, 0);
  assert.is(r.stdout, '(from "alpine")\n(run "echo hi")\n');
});

cli('parse --format json gives the typed AST with ranges', () => {
  const r = run(['parse', '--format', 'json', '-'], 'FROM a\nCOPY --from=b x y\n');
  assert.is(r.code, 0);
  const ast = JSON.parse(r.stdout) as { instructions: { name: string; flags: { name: string; value: string; range: unknown }[] }[] };
  assert.is(ast.instructions[1]?.name, 'copy');
  assert.equal(ast.instructions[1]?.flags[0]?.range, {
    start: { line: 2, column: 6, offset: 12 },
    end: { line: 2, column: 14, offset: 20 },
  });
});

cli('a syntax error exits 1 with file:line:col and a code frame, no stack', () => {
  const r = run(['parse', '-'], 'FROM a\nRUN echo\nCMD [ "x", [ "y" ] ]\n');
  assert.is(r.code, 1);
  assert.match(r.stderr, /^error: <stdin>:3:5: when using JSON array syntax/);
  assert.match(r.stderr, /> 3 \| CMD \[ "x", \[ "y" \] \]\n/);
  assert.match(r.stderr, /\n {2}2 \| RUN echo\n/);
  assert.not.match(r.stderr, /\n\s+at /);
});

cli('--debug adds the stack trace', () => {
  const r = run(['--debug', 'parse', '-'], 'ENV PATH\n');
  assert.is(r.code, 1);
  assert.match(r.stderr, /ENV must have two arguments/);
  assert.match(r.stderr, /\n\s+at /);
});

cli('a missing file names the file', () => {
  const r = run(['parse', 'no/such/Dockerfile']);
  assert.is(r.code, 1);
  assert.is(r.stderr, 'error: dockerfile no/such/Dockerfile: no such file\n');
});

cli('a Dockerfile that exists but cannot be read is not reported as missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-test-'));
  try {
    mkdirSync(join(dir, 'ctx', 'Dockerfile'), { recursive: true });
    const r = run(['--root', join(dir, 'root'), 'build', join(dir, 'ctx')]);
    assert.is(r.code, 1);
    assert.is(r.stderr, `error: dockerfile ${join(dir, 'ctx', 'Dockerfile')}: cannot read it (EISDIR)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli('an empty Dockerfile is an error at 1:1', () => {
  const r = run(['parse', '-'], '');
  assert.is(r.code, 1);
  assert.match(r.stderr, /^error: <stdin>:1:1: file with no instructions/);
});

cli('parse --format stages checks instructions: unknown ones and flags get a hint', () => {
  const bad = run(['parse', '--format', 'stages', '-'], 'FROM a\nWORKDIRR /x\n');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^error: <stdin>:2:1: unknown instruction: WORKDIRR \(did you mean WORKDIR\?\)\n\n {2}1 \| FROM a\n> 2 \| WORKDIRR \/x\n/);
  const flag = run(['parse', '--format', 'stages', '-'], 'FROM a\nCOPY --form=b x y\n');
  assert.is(flag.code, 1);
  assert.match(flag.stderr, /^error: <stdin>:2:6: unknown flag: --form \(did you mean from\?\)/);
  const ok = run(['parse', '--format', 'stages', 'testdata/demo/Dockerfile']);
  assert.is(ok.code, 0, ok.stderr);
  const stages = JSON.parse(ok.stdout) as { stages: { name: string | null; commands: { kind: string }[] }[] };
  assert.equal(stages.stages.map((s) => s.name), ['base', null]);
  assert.equal(stages.stages[0]?.commands.map((c) => c.kind), ['copy', 'run']);
});

cli.run();
