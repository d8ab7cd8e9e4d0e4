// The grammar and lexers pass chevrotain's own validations (skipped at run time for speed).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('grammar validations');

test('building the lexers and parsers with validations on reports no problem', () => {
  const mod = fileURLToPath(new URL('./index.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const p = await import(${JSON.stringify(mod)}); p.parse('FROM a\\nRUN ["x"]\\n');`], {
    env: { ...process.env, KILN_VALIDATE_GRAMMAR: '1' },
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test.run();
