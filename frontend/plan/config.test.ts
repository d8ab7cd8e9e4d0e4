import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageConfig } from '../../store/index.js';
import { failureOf, imageConfig, newHistory, planOf, stepsOf, targetOf } from './test-support.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const comment = 'buildkit.dockerfile.v0';

test('FROM scratch is BuildKit\'s empty image: PATH, WorkingDir /, the target platform', async () => {
  const stage = targetOf(await planOf('FROM scratch\n', { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }));
  assert.equal(stage.config, {
    architecture: 'arm64', os: 'linux', variant: 'v8',
    config: { Env: [PATH], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  });
  assert.equal(stage.base, { kind: 'scratch' });
});

test('every config instruction: the config and the history Docker writes', async () => {
  const df = [
    'FROM scratch',
    'ENV A=1 B="two words"',
    'LABEL org.example.x=y "quoted key"=v',
    'EXPOSE 80 53/udp',
    'VOLUME /data /logs',
    'USER app:app',
    'WORKDIR /srv',
    'STOPSIGNAL SIGTERM',
    'HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -f http://localhost/ || exit 1',
    'SHELL ["/bin/bash", "-c"]',
    'CMD ["serve"]',
    'MAINTAINER Jane <jane@example.com>',
    'ONBUILD RUN echo child',
  ].join('\n');
  const stage = targetOf(await planOf(df));
  const expected: ImageConfig = {
    architecture: 'amd64', os: 'linux', author: 'Jane <jane@example.com>',
    config: {
      Env: [PATH, 'A=1', 'B=two words'],
      WorkingDir: '/srv',
      Labels: { 'org.example.x': 'y', 'quoted key': 'v' },
      ExposedPorts: { '53/udp': {}, '80/tcp': {} },
      Volumes: { '/data': {}, '/logs': {} },
      User: 'app:app',
      StopSignal: 'SIGTERM',
      Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], Interval: 30_000_000_000, Timeout: 3_000_000_000, Retries: 3 },
      Shell: ['/bin/bash', '-c'],
      Cmd: ['serve'],
      ArgsEscaped: true,
      OnBuild: ['RUN echo child'],
    },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [
      { created_by: 'ENV A=1 B=two words', comment, empty_layer: true },
      { created_by: 'LABEL org.example.x=y quoted key=v', comment, empty_layer: true },
      { created_by: 'EXPOSE [53/udp 80/tcp]', comment, empty_layer: true },
      { created_by: 'VOLUME [/data /logs]', comment, empty_layer: true },
      { created_by: 'USER app:app', comment, empty_layer: true },
      { created_by: 'WORKDIR /srv', comment },
      { created_by: 'STOPSIGNAL SIGTERM', comment, empty_layer: true },
      { created_by: 'HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost/ || exit 1] Interval:30s Timeout:3s StartPeriod:0s StartInterval:0s Retries:3}', comment, empty_layer: true },
      { created_by: 'SHELL [/bin/bash -c]', comment, empty_layer: true },
      { created_by: 'CMD ["serve"]', comment, empty_layer: true },
      { created_by: 'MAINTAINER Jane <jane@example.com>', comment, empty_layer: true },
    ],
  };
  assert.equal(stage.config, expected);
  // Each step points at its own history entry; ONBUILD has none.
  const indexes = stage.steps.map((s) => [s.kind === 'config' ? s.instruction : s.kind, s.historyIndex]);
  assert.equal(indexes, [
    ['env', 0], ['label', 1], ['expose', 2], ['volume', 3], ['user', 4], ['workdir', 5], ['stopsignal', 6],
    ['healthcheck', 7], ['shell', 8], ['cmd', 9], ['maintainer', 10], ['onbuild', null],
  ]);
  assert.equal(stepsOf(stage, 'workdir')[0]?.owner, 'app:app');
});

test('HEALTHCHECK NONE', async () => {
  const stage = targetOf(await planOf('FROM scratch\nHEALTHCHECK NONE\n'));
  assert.equal(stage.config.config?.Healthcheck, { Test: ['NONE'] });
  assert.equal(newHistory(stage), ['(empty) HEALTHCHECK {Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}']);
});

test('HEALTHCHECK exec form with every duration', async () => {
  const df = 'FROM scratch\nHEALTHCHECK --interval=1m30s --timeout=500ms --start-period=1h --start-interval=2s --retries=2 CMD ["/bin/check", "-q"]\n';
  const stage = targetOf(await planOf(df));
  assert.equal(stage.config.config?.Healthcheck, {
    Test: ['CMD', '/bin/check', '-q'], Interval: 90e9, Timeout: 500e6, StartPeriod: 3600e9, StartInterval: 2e9, Retries: 2,
  });
  assert.equal(newHistory(stage), ['(empty) HEALTHCHECK {Test:[CMD /bin/check -q] Interval:1m30s Timeout:500ms StartPeriod:1h0m0s StartInterval:2s Retries:2}']);
});

test('a base image config is inherited; its history kept, created and layers left out', async () => {
  const base = imageConfig({
    Env: ['HOME=/root'], WorkingDir: '/w', User: 'svc', Entrypoint: ['/entry'], Cmd: ['run'], Labels: { a: '1' },
    ExposedPorts: { '8080/tcp': {} }, Volumes: { '/v': {} }, StopSignal: 'SIGINT', Shell: ['/bin/ash', '-c'],
  }, [{ created_by: 'ADD rootfs.tar /' }, { created_by: 'CMD ["run"]', empty_layer: true }]);
  const stage = targetOf(await planOf('FROM base\nLABEL b=2\nRUN go\n', { images: { 'docker.io/library/base:latest': base } }));
  assert.equal(stage.base.kind === 'image' ? stage.base.ref : '', 'docker.io/library/base:latest');
  assert.equal(stage.config, {
    architecture: 'amd64', os: 'linux',
    config: {
      Env: ['HOME=/root', PATH], WorkingDir: '/w', User: 'svc', Entrypoint: ['/entry'], Cmd: ['run'], Labels: { a: '1', b: '2' },
      ExposedPorts: { '8080/tcp': {} }, Volumes: { '/v': {} }, StopSignal: 'SIGINT', Shell: ['/bin/ash', '-c'],
    },
    rootfs: { type: 'layers', diff_ids: [] },
    history: [
      { created_by: 'ADD rootfs.tar /' },
      { created_by: 'CMD ["run"]', empty_layer: true },
      { created_by: 'LABEL b=2', comment, empty_layer: true },
      { created_by: 'RUN /bin/ash -c go # buildkit', comment },
    ],
  });
  const run = stepsOf(stage, 'run')[0];
  assert.equal([run?.user, run?.cwd, run?.historyIndex], ['svc', '/w', 3]);
});

test('ENV replaces an inherited variable in place', async () => {
  const base = imageConfig({ Env: ['PATH=/bin', 'A=1', 'B=2'] });
  const stage = targetOf(await planOf('FROM base\nENV A=3 C=$B\n', { images: { 'docker.io/library/base:latest': base } }));
  assert.equal(stage.config.config?.Env, ['PATH=/bin', 'A=3', 'B=2', 'C=2']);
});

test('ENTRYPOINT resets a CMD inherited from the base image', async () => {
  const stage = targetOf(await planOf('FROM alpine\nENTRYPOINT ["/app"]\n'));
  assert.equal(stage.config.config?.Entrypoint, ['/app']);
  assert.is(stage.config.config?.Cmd, undefined);
});

test('ENTRYPOINT keeps a CMD set earlier in the same stage', async () => {
  const stage = targetOf(await planOf('FROM alpine\nCMD ["--help"]\nENTRYPOINT ["/app"]\n'));
  assert.equal([stage.config.config?.Entrypoint, stage.config.config?.Cmd], [['/app'], ['--help']]);
});

test('CMD after ENTRYPOINT sets both', async () => {
  const stage = targetOf(await planOf('FROM scratch\nENTRYPOINT ["/app"]\nCMD ["x"]\n'));
  assert.equal([stage.config.config?.Entrypoint, stage.config.config?.Cmd], [['/app'], ['x']]);
});

test('ENTRYPOINT resets a CMD set in the base stage', async () => {
  const stage = targetOf(await planOf('FROM scratch AS a\nCMD ["x"]\nFROM a\nENTRYPOINT ["/app"]\n'));
  assert.is(stage.config.config?.Cmd, undefined);
});

test('shell forms of CMD and ENTRYPOINT use SHELL; history is Go %q', async () => {
  const stage = targetOf(await planOf('FROM scratch\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT exec app "$@"\nCMD echo "a\\tb"\n'));
  assert.equal(stage.config.config?.Entrypoint, ['/bin/bash', '-c', 'exec app "$@"']);
  assert.equal(stage.config.config?.Cmd, ['/bin/bash', '-c', 'echo "a\\tb"']);
  assert.equal(newHistory(stage).slice(1), [
    '(empty) ENTRYPOINT ["/bin/bash" "-c" "exec app \\"$@\\""]',
    '(empty) CMD ["/bin/bash" "-c" "echo \\"a\\\\tb\\""]',
  ]);
});

test('CMD [] clears Cmd', async () => {
  const stage = targetOf(await planOf('FROM alpine\nCMD []\n'));
  assert.is(stage.config.config?.Cmd, undefined);
  assert.equal(newHistory(stage, 1), ['(empty) CMD []']);
});

test('WORKDIR: relative to the previous one, expanded; / makes no layer', async () => {
  const stage = targetOf(await planOf('FROM scratch\nENV D=/x\nWORKDIR /a\nWORKDIR b\nWORKDIR ../c\nWORKDIR $D/y\nWORKDIR /\n'));
  assert.equal(stepsOf(stage, 'workdir').map((s) => s.path), ['/a', '/a/b', '/a/c', '/x/y']);
  assert.equal(newHistory(stage), ['(empty) ENV D=/x', 'WORKDIR /a', 'WORKDIR /a/b', 'WORKDIR /a/c', 'WORKDIR /x/y', '(empty) WORKDIR /']);
  assert.is(stage.config.config?.WorkingDir, '/');
  assert.equal(stepsOf(stage, 'workdir')[0]?.owner, null);
});

test('USER, VOLUME, EXPOSE, LABEL and STOPSIGNAL expand variables', async () => {
  const df = 'FROM scratch\nARG U=bob P=8080 V=/vol S=9\nUSER $U\nVOLUME $V\nEXPOSE $P/tcp 9000-9001\nLABEL $U=${P}\nSTOPSIGNAL $S\n';
  const stage = targetOf(await planOf(df));
  const c = stage.config.config;
  assert.equal([c?.User, c?.Volumes, c?.ExposedPorts, c?.Labels, c?.StopSignal], [
    'bob', { '/vol': {} }, { '8080/tcp': {}, '9000/tcp': {}, '9001/tcp': {} }, { bob: '8080' }, '9',
  ]);
  assert.equal(newHistory(stage).slice(1), [
    '(empty) USER bob', '(empty) VOLUME [/vol]', '(empty) EXPOSE [8080/tcp 9000/tcp 9001/tcp]', '(empty) LABEL bob=8080', '(empty) STOPSIGNAL 9',
  ]);
});

test('MAINTAINER, SHELL and HEALTHCHECK are not expanded', async () => {
  const stage = targetOf(await planOf('FROM scratch\nENV X=1\nMAINTAINER $X\nSHELL ["/bin/$X"]\n'));
  assert.is(stage.config.author, '$X');
  assert.equal(stage.config.config?.Shell, ['/bin/$X']);
});

test('ONBUILD is stored, records no history, and is not inherited by a stage built on it', async () => {
  const plan = await planOf('FROM scratch AS a\nONBUILD RUN echo hi\nFROM a\n');
  const [a, b] = plan.stages;
  assert.equal(a?.config.config?.OnBuild, ['RUN echo hi']);
  assert.equal(a?.config.history, []);
  assert.is(b?.config.config?.OnBuild, undefined);
});

test('--label goes on the target only, over LABEL, without history', async () => {
  const plan = await planOf('FROM scratch AS a\nLABEL k=a\nFROM a\nLABEL k=file other=1\n', { labels: { k: 'cli', new: 'n' } });
  const [a, b] = plan.stages;
  assert.equal(a?.config.config?.Labels, { k: 'a' });
  assert.equal(b?.config.config?.Labels, { k: 'cli', other: '1', new: 'n' });
  assert.equal(newHistory(b ?? targetOf(plan)), ['(empty) LABEL k=a', '(empty) LABEL k=file other=1']);
});

test('STOPSIGNAL rejects an unknown signal at its line', async () => {
  assert.is(await failureOf('FROM scratch\nSTOPSIGNAL SIGFOO\n'), '2:1 invalid signal: SIGFOO');
  assert.is(await failureOf('FROM scratch\nSTOPSIGNAL rtmin+3\n'), 'no error');
});

test('VOLUME rejects a path that expands to nothing', async () => {
  assert.is(await failureOf('FROM scratch\nVOLUME /ok $EMPTY\n'), '2:12 VOLUME specified can not be an empty string');
});

test('EXPOSE checks expanded ports at the word', async () => {
  assert.is(await failureOf('FROM scratch\nENV P=http\nEXPOSE $P\n'), '3:8 invalid containerPort: http');
});

test('a bad variable reference fails at the instruction', async () => {
  assert.is(await failureOf('FROM scratch\nUSER ${X:?user is required}\n'), '2:1 failed to process "${X:?user is required}": X: user is required');
});

test.run();
