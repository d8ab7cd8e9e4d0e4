import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultImages, imageConfig, planOf, runOf, targetOf, type TestOptions } from './test-support.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The RUN's environment without PATH, and its history text. */
async function argView(text: string, opts: TestOptions = {}): Promise<{ env: string[]; history: string }> {
  const run = await runOf(text, opts);
  return { env: run.env.filter((e) => e !== PATH), history: run.createdBy ?? '' };
}

interface Row {
  readonly name: string;
  readonly df: string;
  readonly buildArgs?: Record<string, string | undefined>;
  readonly env: string[];
  readonly history: string;
}

// What a RUN sees and records: the scoping rules of
// https://docs.docker.com/reference/dockerfile/#scope and BuildKit's dispatchArg.
const table: Row[] = [
  {
    name: 'a global ARG is not visible in a stage',
    df: 'ARG G=g\nFROM scratch\nRUN echo $G',
    env: [], history: 'RUN /bin/sh -c echo $G # buildkit',
  },
  {
    name: 'ARG NAME in a stage takes the global value',
    df: 'ARG G=g\nFROM scratch\nARG G\nRUN echo $G',
    env: ['G=g'], history: 'RUN |1 G=g /bin/sh -c echo $G # buildkit',
  },
  {
    name: '--build-arg overrides the global default',
    df: 'ARG G=g\nFROM scratch\nARG G\nRUN x',
    buildArgs: { G: 'cli' }, env: ['G=cli'], history: 'RUN |1 G=cli /bin/sh -c x # buildkit',
  },
  {
    name: '--build-arg overrides the stage default',
    df: 'FROM scratch\nARG S=default\nRUN x',
    buildArgs: { S: 'cli' }, env: ['S=cli'], history: 'RUN |1 S=cli /bin/sh -c x # buildkit',
  },
  {
    name: 'the stage default wins over the global value',
    df: 'ARG S=global\nFROM scratch\nARG S=stage\nRUN x',
    env: ['S=stage'], history: 'RUN |1 S=stage /bin/sh -c x # buildkit',
  },
  {
    name: 'an ARG without any value is recorded empty and not set',
    df: 'FROM scratch\nARG NONE\nRUN x',
    env: [], history: 'RUN |1 NONE= /bin/sh -c x # buildkit',
  },
  {
    name: 'a global ARG default may use earlier global ARGs',
    df: 'ARG A=1\nARG B=${A}2\nFROM scratch\nARG B\nRUN x',
    env: ['B=12'], history: 'RUN |1 B=12 /bin/sh -c x # buildkit',
  },
  {
    name: 'a stage ARG default may use ENV',
    df: 'FROM scratch\nENV E=e\nARG Y=$E-y\nRUN x',
    env: ['E=e', 'Y=e-y'], history: 'RUN |1 Y=e-y /bin/sh -c x # buildkit',
  },
  {
    name: 'predefined platform ARGs need a declaration in a stage',
    df: 'FROM scratch\nRUN echo $TARGETARCH',
    env: [], history: 'RUN /bin/sh -c echo $TARGETARCH # buildkit',
  },
  {
    name: 'a declared platform ARG gets the target platform',
    df: 'FROM scratch\nARG TARGETPLATFORM TARGETARCH BUILDOS\nRUN x',
    env: ['TARGETPLATFORM=linux/amd64', 'TARGETARCH=amd64', 'BUILDOS=linux'],
    history: 'RUN |3 TARGETPLATFORM=linux/amd64 TARGETARCH=amd64 BUILDOS=linux /bin/sh -c x # buildkit',
  },
  {
    name: 'undeclared proxy build-args reach RUN but not history',
    df: 'FROM scratch\nRUN x',
    buildArgs: { HTTP_PROXY: 'http://proxy:3128' },
    env: ['HTTP_PROXY=http://proxy:3128', 'http_proxy=http://proxy:3128'], history: 'RUN /bin/sh -c x # buildkit',
  },
  {
    name: 'a declared proxy ARG is an ordinary ARG (in history)',
    df: 'FROM scratch\nARG HTTP_PROXY\nRUN x',
    buildArgs: { HTTP_PROXY: 'http://p' },
    env: ['HTTP_PROXY=http://p', 'http_proxy=http://p'], history: 'RUN |1 HTTP_PROXY=http://p /bin/sh -c x # buildkit',
  },
  {
    name: '--build-arg NAME takes the environment',
    df: 'FROM scratch\nARG FROM_ENV\nRUN x',
    buildArgs: { FROM_ENV: undefined }, env: ['FROM_ENV=env-value'], history: 'RUN |1 FROM_ENV=env-value /bin/sh -c x # buildkit',
  },
  {
    name: 'ENV after ARG wins',
    df: 'FROM scratch\nARG V=arg\nENV V=env\nRUN x',
    env: ['V=env'], history: 'RUN |1 V=env /bin/sh -c x # buildkit',
  },
  {
    name: 'ARG after ENV replaces the variable (BuildKit), not the image Env',
    df: 'FROM scratch\nENV V=env\nARG V=arg\nRUN x',
    env: ['V=arg'], history: 'RUN |1 V=arg /bin/sh -c x # buildkit',
  },
];

for (const row of table) {
  test(`ARG scope: ${row.name}`, async () => {
    const view = await argView(row.df, { buildArgs: row.buildArgs ?? {}, env: { FROM_ENV: 'env-value' } });
    assert.equal(view.env, row.env);
    assert.is(view.history, row.history);
  });
}

test('ARG values never reach the image Env; ENV does', async () => {
  const stage = targetOf(await planOf('FROM scratch\nARG A=1\nENV B=2\nENV V=env\nARG V=arg\n'));
  assert.equal(stage.config.config?.Env, [PATH, 'B=2', 'V=env']);
});

test('ENV expands with the values before the instruction, ARG included', async () => {
  const stage = targetOf(await planOf('FROM scratch\nARG A=arg\nENV A=env B=$A\nENV C=$A\n'));
  assert.equal(stage.config.config?.Env, [PATH, 'A=env', 'B=arg', 'C=env']);
});

test('global ARGs expand FROM; a --build-arg changes the image', async () => {
  const images = { ...defaultImages, 'docker.io/library/alpine:3.20': imageConfig({}) };
  const asked: string[] = [];
  const df = 'ARG TAG=latest\nFROM alpine:$TAG\n';
  const plan = await planOf(df, { images, buildArgs: { TAG: '3.20' }, resolveImage: async (ref) => { asked.push(ref); return { ref: `docker.io/library/${ref}`, config: imageConfig({}) }; } });
  assert.equal(asked, ['alpine:3.20']);
  assert.is(targetOf(plan).fromName, '[1/1] FROM docker.io/library/alpine:3.20');
});

test('FROM sees platform ARGs without declaring them', async () => {
  const asked: string[] = [];
  await planOf('FROM alpine:$TARGETARCH-$BUILDOS\n', {
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    buildPlatform: { os: 'linux', architecture: 'amd64' },
    resolveImage: async (ref) => { asked.push(ref); return { ref, config: imageConfig({}) }; },
  });
  assert.equal(asked, ['alpine:arm64-linux']);
});

test('TARGETPLATFORM carries the variant', async () => {
  const run = await runOf('FROM scratch\nARG TARGETPLATFORM TARGETVARIANT\nRUN x', { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
  assert.ok(run.env.includes('TARGETPLATFORM=linux/arm64/v8'));
  assert.ok(run.env.includes('TARGETVARIANT=v8'));
});

test('ARG scope is per stage; a stage built on another inherits its ARGs', async () => {
  const plan = await planOf('FROM scratch AS a\nARG X=1\nFROM scratch AS b\nRUN b\nFROM a\nRUN c\n', { target: 'b' });
  assert.equal(plan.stages.map((s) => s.index), [1]);
  const b = targetOf(plan).steps.find((s) => s.kind === 'run');
  assert.is(b?.createdBy, 'RUN /bin/sh -c b # buildkit');
  const c = targetOf(await planOf('FROM scratch AS a\nARG X=1\nFROM scratch AS b\nRUN b\nFROM a\nRUN c\n'));
  assert.is(c.steps[0]?.createdBy, 'RUN |1 X=1 /bin/sh -c c # buildkit');
});

test('unused --build-args are one warning, sorted; builtins and declared ones are used', async () => {
  const plan = await planOf('ARG G\nFROM scratch\nARG S\n', {
    buildArgs: { ZED: '1', ALPHA: '2', G: 'g', S: 's', HTTPS_PROXY: 'p', TARGETARCH: 'arm64' },
  });
  assert.equal(plan.warnings, [{ message: '[Warning] One or more build-args [ALPHA ZED] were not consumed' }]);
  assert.equal(plan.usedBuildArgs, ['G', 'HTTPS_PROXY', 'S', 'TARGETARCH']);
});

test('an ARG in a stage the target does not need does not consume its build-arg', async () => {
  const plan = await planOf('FROM scratch AS unused\nARG ONLY_HERE\nFROM scratch\n', { buildArgs: { ONLY_HERE: 'x' } });
  assert.equal(plan.warnings.map((w) => w.message), ['[Warning] One or more build-args [ONLY_HERE] were not consumed']);
});

test('--build-arg NAME unset in the environment is dropped, without a warning', async () => {
  const plan = await planOf('FROM scratch\nRUN x\n', { buildArgs: { MISSING: undefined }, env: {} });
  assert.equal(plan.warnings, []);
  assert.equal(plan.usedBuildArgs, []);
});

test('proxy args stay out of the cache definition', async () => {
  const a = await runOf('FROM scratch\nRUN x', { buildArgs: { http_proxy: 'http://one' } });
  const b = await runOf('FROM scratch\nRUN x', { buildArgs: { http_proxy: 'http://two' } });
  assert.equal(a.definition, b.definition);
  assert.ok(a.env.includes('HTTP_PROXY=http://one'));
  assert.ok(b.env.includes('http_proxy=http://two'));
});

test('a changed ARG value changes the cache definition', async () => {
  const a = await runOf('FROM scratch\nARG V\nRUN x', { buildArgs: { V: '1' } });
  const b = await runOf('FROM scratch\nARG V\nRUN x', { buildArgs: { V: '2' } });
  assert.not.equal(a.definition, b.definition);
});

test.run();
