// BuildKit's own parser vectors, read in place from ../shared/conformance.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerfileSyntaxError, dumpDockerfile, parse } from './index.js';
import { sharedDir } from '../util/test-paths.js';

const base = join(sharedDir(), 'conformance', 'buildkit', 'parser');

const positive = suite('parse: BuildKit testfiles');
const cases = readdirSync(join(base, 'testfiles')).sort();
positive('there are 33 cases', () => assert.is(cases.length, 33));
for (const name of cases) {
  positive(name, () => {
    const text = readFileSync(join(base, 'testfiles', name, 'Dockerfile'), 'utf8');
    const expected = readFileSync(join(base, 'testfiles', name, 'result'), 'utf8');
    assert.fixture(dumpDockerfile(parse(text, { filename: `${name}/Dockerfile` })), expected);
  });
}
positive.run();

const negative = suite('parse: BuildKit testfiles-negative');
const bad = readdirSync(join(base, 'testfiles-negative')).sort();
negative('there are 4 cases', () => assert.is(bad.length, 4));
for (const name of bad) {
  negative(name, () => {
    const text = readFileSync(join(base, 'testfiles-negative', name, 'Dockerfile'), 'utf8');
    const filename = `${name}/Dockerfile`;
    try {
      parse(text, { filename });
    } catch (err) {
      assert.instance(err, DockerfileSyntaxError);
      const e = err as DockerfileSyntaxError;
      assert.is(e.filename, filename);
      assert.ok(e.range.start.line >= 1 && e.range.start.column >= 1, 'located');
      assert.match(e.message, new RegExp(`^${filename}:\\d+:\\d+: `));
      return;
    }
    assert.unreachable('parse should have failed');
  });
}
negative('the located lines', () => {
  const where = (name: string): string => {
    try {
      parse(readFileSync(join(base, 'testfiles-negative', name, 'Dockerfile'), 'utf8'));
    } catch (err) {
      const e = err as DockerfileSyntaxError;
      return `${e.range.start.line}:${e.range.start.column} ${e.detail}`;
    }
    return 'no error';
  };
  assert.is(where('env_no_value'), '3:5 ENV must have two arguments');
  assert.is(where('shykes-nested-json'), '1:5 when using JSON array syntax, arrays must be comprised of strings only');
  assert.is(where('empty_dockerfile'), '1:1 file with no instructions');
  assert.match(where('only_comments'), / file with no instructions$/);
});
negative.run();

const lines = suite('parse: BuildKit testfile-line');
lines('instruction line spans', () => {
  const df = parse(readFileSync(join(base, 'testfile-line', 'Dockerfile'), 'utf8'));
  const spans = df.instructions.map((i) => `${i.range.start.line}-${i.range.end.line}`);
  assert.equal(spans, ['5-5', '11-12', '17-31']);
  assert.is(df.range.start.line, 5);
  assert.is(df.range.end.line, 31);
  assert.equal(df.directives.map((d) => [d.name, d.value, d.range.start.line]), [['escape', '\\', 1]]);
});
lines.run();
