import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerfileSyntaxError } from '../../parser/index.js';
import type { Platform } from '../../store/index.js';
import { findError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { defaultImages, failureOf, fakeResolver, imageConfig, newHistory, planOf, stepsOf, targetOf } from './test-support.js';

const multi = [
  'FROM alpine AS base',
  'RUN base',
  'FROM golang AS build',
  'COPY --from=base /x /x',
  'FROM nosuch AS other',
  'RUN other',
  'FROM base AS final',
  'COPY --from=build /app /app',
].join('\n');

test('the default target is the last stage; stages it does not need are not planned or resolved', async () => {
  const asked: string[] = [];
  const plan = await planOf(multi, { resolveImage: fakeResolver(defaultImages, asked) });
  assert.is(plan.target, 3);
  assert.equal(plan.stages.map((s) => [s.index, s.name, s.dependsOn]), [[0, 'base', []], [1, 'build', [0]], [3, 'final', [0, 1]]]);
  assert.equal(asked, ['alpine', 'golang']);
  assert.equal(plan.stages.map((s) => s.base), [
    { kind: 'image', ref: 'docker.io/library/alpine:latest', config: defaultImages['docker.io/library/alpine:latest'] },
    { kind: 'image', ref: 'docker.io/library/golang:latest', config: defaultImages['docker.io/library/golang:latest'] },
    { kind: 'stage', index: 0 },
  ]);
});

test('--target plans only what that stage needs', async () => {
  const plan = await planOf(multi, { target: 'BUILD' });
  assert.is(plan.target, 1);
  assert.equal(plan.stages.map((s) => s.index), [0, 1]);
});

test('an unknown --target names it and lists the stages', async () => {
  try {
    await planOf(multi, { target: 'biuld' });
    assert.unreachable('expected an error');
  } catch (err) {
    assert.ok(err instanceof InvalidArgumentError);
    assert.is(err.message, 'target stage "biuld" could not be found (did you mean build?); stages: base, build, other, final');
  }
});

test('a stage built on another carries its config and history on', async () => {
  const plan = await planOf('FROM alpine AS a\nENV A=1\nRUN x\nFROM a\nRUN y\n');
  const [a, b] = plan.stages;
  assert.equal(b?.base, { kind: 'stage', index: 0 });
  assert.equal(newHistory(b ?? targetOf(plan), 1), ['(empty) ENV A=1', 'RUN /bin/sh -c x # buildkit', 'RUN /bin/sh -c y # buildkit']);
  assert.equal(b?.config.config?.Env, a?.config.config?.Env);
  assert.equal(stepsOf(b ?? targetOf(plan), 'run')[0]?.historyIndex, 3);
});

test('FROM a missing image fails at the FROM, with the resolver\'s error as cause', async () => {
  assert.is(await failureOf('FROM scratch AS ok\n\nFROM  nosuch:1 AS bad\n'), '3:1 image nosuch:1: not found in the local store');
  try {
    await planOf('FROM nosuch\n');
    assert.unreachable('expected an error');
  } catch (err) {
    assert.ok(err instanceof DockerfileSyntaxError);
    assert.ok(findError(err, NotFoundError) instanceof NotFoundError);
  }
});

test('a FROM name that expands to nothing fails at the FROM', async () => {
  assert.is(await failureOf('ARG IMG\nFROM $IMG\n'), '2:1 base name ($IMG) should not be blank');
});

test('a FROM of a later stage name is an image', async () => {
  assert.is(await failureOf('FROM later AS first\nFROM scratch AS later\n', { target: 'first' }), '1:1 image later: not found in the local store');
});

test('progress names: the image pull is step 1; one stage has no name; numbers are padded', async () => {
  const single = targetOf(await planOf('FROM alpine\nRUN a\nENV X=1\nCOPY b /b\n'));
  assert.is(single.fromName, '[1/3] FROM docker.io/library/alpine:latest');
  assert.equal(single.steps.flatMap((s) => (s.kind === 'config' ? [] : [s.name])), ['[2/3] RUN a', '[3/3] COPY b /b']);
  const many = targetOf(await planOf(`FROM scratch AS a\nFROM scratch\n${'RUN x\n'.repeat(10)}`));
  assert.is(many.displayName, 'stage-1');
  assert.equal(stepsOf(many, 'run').map((r) => r.name).slice(0, 1), ['[stage-1  1/10] RUN x']);
  assert.is(many.fromName, null);
});

test('FROM --platform expands global ARGs and picks the resolver\'s platform', async () => {
  const seen: [string, Platform][] = [];
  const plan = await planOf('FROM --platform=$BUILDPLATFORM alpine AS b\nFROM --platform=linux/arm64 alpine\nCOPY --from=b / /\n', {
    buildPlatform: { os: 'linux', architecture: 'riscv64' },
    resolveImage: async (ref, platform) => { seen.push([ref, platform]); return { ref, config: imageConfig({}) }; },
  });
  assert.equal(seen, [['alpine', { os: 'linux', architecture: 'riscv64' }], ['alpine', { os: 'linux', architecture: 'arm64' }]]);
  assert.equal(plan.stages.map((s) => s.platform), [{ os: 'linux', architecture: 'riscv64' }, { os: 'linux', architecture: 'arm64' }]);
});

test('FROM scratch with --platform takes that platform', async () => {
  const stage = targetOf(await planOf('FROM --platform=linux/arm/v7 scratch\n'));
  assert.equal([stage.config.architecture, stage.config.os, stage.config.variant], ['arm', 'linux', 'v7']);
});

test('a bad --platform fails at the FROM', async () => {
  assert.is(await failureOf('FROM scratch\nFROM --platform=linux/ alpine\n'), '2:1 failed to parse platform linux/: "linux/": invalid platform: expected os/arch[/variant]');
});

const onbuildImage = imageConfig({ Env: ['PATH=/bin'], OnBuild: ['ARG GREETING=hi', 'RUN echo $GREETING', 'COPY --from=assets /a /a'] }, [{ created_by: 'base' }]);

test('base image ONBUILD triggers run first, at the FROM, and may need another stage', async () => {
  const df = 'FROM scratch AS assets\nFROM scratch AS unrelated\nFROM parent\nRUN own\n';
  const plan = await planOf(df, { images: { 'docker.io/library/parent:latest': onbuildImage } });
  assert.equal(plan.stages.map((s) => s.index), [0, 2]);
  const stage = targetOf(plan);
  assert.equal(stage.dependsOn, [0]);
  assert.equal(stage.steps.map((s) => [s.kind, s.onbuild, s.range.start.line]), [
    ['config', true, 3], ['run', true, 3], ['copy', true, 3], ['run', false, 4],
  ]);
  assert.equal(newHistory(stage, 1), [
    '(empty) ARG GREETING=hi', 'RUN |1 GREETING=hi /bin/sh -c echo $GREETING # buildkit', 'COPY /a /a # buildkit', 'RUN |1 GREETING=hi /bin/sh -c own # buildkit',
  ]);
  assert.equal(stepsOf(stage, 'run').map((r) => r.name), ['[stage-2 2/5] ONBUILD RUN echo hi', '[stage-2 4/5] RUN own']);
  assert.is(stage.config.config?.OnBuild, undefined);
});

test('ONBUILD lines of a base stage run in the stage built on it', async () => {
  const plan = await planOf('FROM scratch AS parent\nONBUILD RUN echo child\nRUN parent\nFROM parent\nRUN own\n');
  const stage = targetOf(plan);
  assert.equal(stage.steps.map((s) => (s.kind === 'run' ? [s.args[2], s.onbuild] : [s.kind])), [['echo child', true], ['own', false]]);
  assert.equal(plan.stages[0]?.steps.map((s) => s.kind), ['config', 'run']);
});

test('a broken trigger fails at the FROM', async () => {
  const images = { 'docker.io/library/bad:latest': imageConfig({ OnBuild: ['RUN --mount=type=nope true'] }) };
  assert.is(await failureOf('FROM scratch\n\nFROM bad\n', { images }), '3:1 unsupported mount type "nope"');
  const empty = { 'docker.io/library/bad:latest': imageConfig({ OnBuild: ['RUN a\nRUN b'] }) };
  assert.is(await failureOf('FROM bad\n', { images: empty }), '1:1 onbuild trigger should be a single expression');
});

test('a trigger error found while planning is placed at the FROM', async () => {
  const images = { 'docker.io/library/bad:latest': imageConfig({ OnBuild: ['STOPSIGNAL nope'] }) };
  assert.is(await failureOf('FROM scratch\nFROM bad\n', { images }), '2:1 invalid signal: nope');
});

test('parser and stage warnings come with the plan', async () => {
  const plan = await planOf('FROM scratch AS a\nFROM scratch AS a\n');
  assert.equal(plan.warnings.map((w) => [w.message, w.range?.start.line]), [['duplicate stage name "a", stage names should be unique', 2]]);
});

test('no stages is an error at the file', async () => {
  assert.is(await failureOf('ARG X=1\n'), '1:1 dockerfile contains no stages to build');
});

test('a user mistake is a located DockerfileSyntaxError whose cause keeps its class', async () => {
  try {
    await planOf('FROM scratch\nSTOPSIGNAL SIGFOO\n');
    assert.unreachable('expected an error');
  } catch (err) {
    assert.instance(err, DockerfileSyntaxError);
    assert.is((err as DockerfileSyntaxError).range.start.line, 2);
    assert.instance(findError(err, InvalidArgumentError), InvalidArgumentError);
  }
});

test('a bug (not a kiln error) is not dressed up as a Dockerfile error', async () => {
  const buggy = async (): Promise<never> => {
    throw new TypeError('cannot read properties of undefined');
  };
  try {
    await planOf('FROM alpine\n', { resolveImage: buggy });
    assert.unreachable('expected an error');
  } catch (err) {
    assert.instance(err, TypeError);
    assert.not.instance(err, DockerfileSyntaxError);
  }
});

test.run();
