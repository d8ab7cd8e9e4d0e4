// RUN's environment as BuildKit gives it: the sandbox hostname and the TARGETSTAGE ARG.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../util/errors.js';
import { planOf, runOf, stepsOf } from './test-support.js';

const stagesFile = 'FROM alpine AS base\nRUN echo "first:$TARGETSTAGE"\nARG TARGETSTAGE\nRUN echo "second:$TARGETSTAGE"\nFROM base AS foo\nFROM base\n';

async function baseRuns(opts: { target?: string } = {}): Promise<string[][]> {
  const plan = await planOf(stagesFile, opts);
  const base = plan.stages.find((s) => s.index === 0);
  if (base === undefined) throw new Error('base stage not planned');
  return stepsOf(base, 'run').map((r) => r.env.filter((e) => e.startsWith('TARGETSTAGE')));
}

test('TARGETSTAGE: unset until declared, then the --target name', async () => {
  assert.equal(await baseRuns({ target: 'foo' }), [[], ['TARGETSTAGE=foo']]);
});

test('TARGETSTAGE: the last stage name without --target, else "default"', async () => {
  assert.equal(await baseRuns(), [[], ['TARGETSTAGE=default']]);
  const named = await runOf('FROM alpine AS final\nARG TARGETSTAGE\nRUN true\n');
  assert.ok(named.env.includes('TARGETSTAGE=final'));
});

test('TARGETSTAGE is usable in FROM through a global ARG and a build arg overrides it', async () => {
  const run = await runOf('ARG TARGETSTAGE\nFROM alpine AS x\nARG TARGETSTAGE\nRUN true\n', { buildArgs: { TARGETSTAGE: 'other' } });
  assert.ok(run.env.includes('TARGETSTAGE=other'));
  const plan = await planOf('FROM alpine AS last\nRUN true\n', { buildArgs: { TARGETSTAGE: 'x' } });
  assert.equal(plan.warnings, [], 'a TARGETSTAGE build arg is not reported as unused');
});

test('RUN gets hostname buildkitsandbox and no HOSTNAME variable', async () => {
  const run = await runOf('FROM alpine\nRUN hostname\n');
  assert.is(run.hostname, 'buildkitsandbox');
  assert.not.ok(run.env.some((e) => e.startsWith('HOSTNAME=')));
  assert.not.ok('hostname' in run.definition);
});

test('BUILDKIT_SANDBOX_HOSTNAME names the sandbox and is part of the step definition', async () => {
  const opts = { buildArgs: { BUILDKIT_SANDBOX_HOSTNAME: 'foo' } };
  const run = await runOf('FROM alpine\nRUN hostname\n', opts);
  assert.is(run.hostname, 'foo');
  assert.is(run.definition['hostname'], 'foo');
  assert.equal((await planOf('FROM alpine\nRUN true\n', opts)).warnings, []);
  assert.is((await runOf('FROM alpine\nRUN true\n', { buildArgs: { BUILDKIT_SANDBOX_HOSTNAME: '' } })).hostname, 'buildkitsandbox');
});

test('an invalid BUILDKIT_SANDBOX_HOSTNAME is refused naming the build arg', async () => {
  try {
    await planOf('FROM alpine\nRUN true\n', { buildArgs: { BUILDKIT_SANDBOX_HOSTNAME: 'bad_name!' } });
    assert.unreachable('planned');
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, 'build arg BUILDKIT_SANDBOX_HOSTNAME: invalid hostname "bad_name!"');
  }
});

test.run();
