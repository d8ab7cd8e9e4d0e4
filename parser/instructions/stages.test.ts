// parseStages: global ARGs, stage grouping, names, ranges, and errors.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerfileSyntaxError, parse } from '../index.js';
import { parseMount, parseStages } from './index.js';
import { sharedDir } from '../../util/test-paths.js';
import { failure, stagesOf } from './test-support.js';

const stages = suite('instructions: stages');

const multi = `# syntax=docker/dockerfile:1
ARG BASE=alpine
ARG VERSION
FROM $BASE AS Builder
RUN make
COPY . /src

FROM scratch
COPY --from=builder /out /
CMD ["/app"]
`;

stages('ARGs before the first FROM are global; each FROM starts a stage', () => {
  const { globalArgs, stages: list } = stagesOf(multi);
  assert.equal(globalArgs.map((a) => a.args.map((d) => d.name)), [['BASE'], ['VERSION']]);
  assert.equal(list.map((s) => [s.index, s.name, s.from.image, s.commands.map((c) => c.kind)]), [
    [0, 'builder', '$BASE', ['run', 'copy']],
    [1, null, 'scratch', ['copy', 'cmd']],
  ]);
});

stages('a stage spans from its FROM to its last command', () => {
  const [first, second] = stagesOf(multi).stages;
  assert.equal([first?.range.start.line, first?.range.end.line], [4, 6]);
  assert.equal([second?.range.start.line, second?.range.end.line], [8, 10]);
  const [only] = stagesOf('FROM a\n').stages;
  assert.equal(only?.range, only?.from.range);
});

stages('ARG inside a stage belongs to the stage', () => {
  const { globalArgs, stages: list } = stagesOf('FROM a\nARG x\n');
  assert.equal([globalArgs.length, list[0]?.commands[0]?.kind], [0, 'arg']);
});

stages('only ARG may come before the first FROM', () => {
  assert.is(failure('ARG a\nRUN echo\nFROM b'), '2:1 no build stage in current context');
  assert.is(failure('LABEL a=b\nFROM x'), '1:1 no build stage in current context');
});

stages('an instruction error wins over the stage check, as in BuildKit', () => {
  assert.is(failure('COPY a\nFROM x'), '1:1 COPY requires at least two arguments, but only one was provided. Destination could not be determined');
});

stages('a stage name used twice (ignoring case) is a warning, as in BuildKit', () => {
  const dup = stagesOf('FROM a AS x\nFROM b AS X\n');
  assert.equal(dup.warnings.map((w) => `${w.range.start.line}:${w.range.start.column} ${w.message}`), ['2:11 duplicate stage name "x", stage names should be unique']);
  assert.is(dup.stages.length, 2);
  assert.equal(stagesOf('FROM a AS x\nFROM b AS y\nFROM c\nFROM d\n').stages.length, 4);
});

stages('errors carry the file name given to parse()', () => {
  try {
    parseStages(parse('FROM a\nRUNN x\n', { filename: 'build/Dockerfile.dev' }));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DockerfileSyntaxError);
    assert.is((err as DockerfileSyntaxError).message, 'build/Dockerfile.dev:2:1: unknown instruction: RUNN (did you mean RUN?)');
  }
});

stages('parseMount checks a deferred mount once expanded', () => {
  const run = stagesOf('FROM a\nRUN --mount=type=$T,target=/c true\n').stages[0]?.commands[0];
  if (run?.kind !== 'run') return assert.unreachable();
  const deferred = run.mounts[0];
  if (deferred === undefined || deferred.resolved) return assert.unreachable();
  const where = { filename: 'Dockerfile', range: deferred.range };
  const env: Record<string, string> = { T: 'cache' };
  const expand = (v: string): string => v.replace(/\$(\w+)/g, (_, k: string) => env[k] ?? '');
  assert.is(parseMount(deferred.text, expand, where).type, 'cache');
  env['T'] = 'bogus';
  assert.throws(() => parseMount(deferred.text, expand, where), /^Dockerfile:2:5: unsupported mount type "bogus"$/);
});

stages.run();

const vectors = suite('instructions: BuildKit parser vectors');

// Every upstream parser test file either gives stages or fails with a located
// syntax error; these are the ones BuildKit's instructions package rejects too.
const rejected: Readonly<Record<string, string>> = {
  flags: '3:6 unknown flag: --user',
  health: '4:1 HEALTHCHECK requires at least one argument',
  json: '1:1 no build stage in current context',
};

vectors('each vector parses into stages or fails with a DockerfileSyntaxError', () => {
  const root = join(sharedDir(), 'conformance', 'buildkit', 'parser', 'testfiles');
  const cases = readdirSync(root).sort();
  assert.ok(cases.length >= 33, `only ${cases.length} vectors found`);
  for (const name of cases) {
    const got = failure(readFileSync(join(root, name, 'Dockerfile'), 'utf8'));
    const want = rejected[name] ?? (name.startsWith('jeztah-invalid-json') ? '1:1 no build stage in current context' : 'no error');
    assert.is(got, want, name);
  }
});

vectors.run();
