// `kiln completion bash|zsh` loaded into the real shells, driven as their
// completion systems drive it (COMP_WORDS/COMP_CWORD; zsh through bashcompinit).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { repoRoot } from '../util/test-paths.js';

if (e2eReady('shell completion', ['bash', 'zsh'])) {
  const test = suite('shell completion');
  const tmp = mkdtempSync(join(tmpdir(), 'kiln-test-completion-'));
  const kiln = join(repoRoot(), 'bin', 'kiln');
  const script = (shell: string): string => {
    const r = spawnSync(kiln, ['completion', shell], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const file = join(tmp, `kiln.${shell}`);
    writeFileSync(file, r.stdout);
    return file;
  };
  const bashFile = script('bash');
  const zshFile = script('zsh');
  // A stand-in for kiln that lists two images, to see image names completed.
  const fake = join(tmp, 'fake-kiln');
  writeFileSync(fake, '#!/bin/sh\n[ "$3" = images ] && [ "$2" = /r ] && printf "app:1\\nother:latest\\n<none>:<none>\\n"\n');
  chmodSync(fake, 0o755);
  test.after(() => rmSync(tmp, { recursive: true, force: true }));

  const bash = (...words: string[]): string[] => {
    const cmd = `source ${bashFile}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kiln; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['--norc', '-c', cmd], { encoding: 'utf8', cwd: tmp });
    assert.is(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };

  test('bash: commands, flags, choices and image names', () => {
    assert.equal(bash('kiln', 'bu'), ['build']);
    assert.equal(bash('kiln', '--root', '/x', 'im'), ['images', 'import']);
    assert.equal(bash('kiln', 'build', '--prog'), ['--progress']);
    assert.equal(bash('kiln', 'build', '--pro').sort(), ['--progress', '--provenance']);
    assert.equal(bash('kiln', 'build', '--progress', 'p'), ['plain']);
    assert.equal(bash('kiln', 'completion', ''), ['bash', 'zsh']);
    assert.equal(bash(fake, '--root', '/r', 'run', ''), ['app:1', 'other:latest']);
    assert.equal(bash(fake, '--root', '/r', 'images', '--fi'), ['--filter']);
  });

  test('zsh: the same function through bashcompinit', () => {
    const cmd = `source ${zshFile}; t() { emulate -L sh; setopt kshglob noshglob braceexpand; COMP_WORDS=(kiln build --progress ''); COMP_CWORD=3; _kiln; print -rl -- "\${COMPREPLY[@]}"; }; t`;
    const r = spawnSync('zsh', ['-f', '-c', cmd], { encoding: 'utf8', cwd: tmp, env: { ...process.env, HOME: tmp } });
    assert.is(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => l !== ''), ['auto', 'plain', 'tty', 'json', 'rawjson', 'quiet']);
  });

  test('an unknown shell is a usage error', () => {
    const r = spawnSync(kiln, ['completion', 'fish'], { encoding: 'utf8' });
    assert.is(r.status, 2);
    assert.match(r.stderr, /^error: .*'fish'.*bash, zsh/);
  });

  test.run();
}
