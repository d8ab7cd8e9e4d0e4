import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { failureOf, planOf, runOf, stepsOf, targetOf } from './test-support.js';

test('shell form runs through /bin/sh -c; history is BuildKit\'s', async () => {
  const run = await runOf('FROM scratch\nRUN make   all');
  assert.equal(run.args, ['/bin/sh', '-c', 'make   all']);
  assert.is(run.createdBy, 'RUN /bin/sh -c make   all # buildkit');
  assert.is(run.name, '[1/1] RUN make   all');
  assert.equal([run.user, run.cwd, run.network, run.security], ['', '/', 'default', 'sandbox']);
});

test('exec form runs as written', async () => {
  const run = await runOf('FROM scratch\nSHELL ["/bin/bash", "-c"]\nRUN ["echo", "a b"]');
  assert.equal(run.args, ['echo', 'a b']);
  assert.is(run.createdBy, 'RUN echo a b # buildkit');
});

test('SHELL changes the shell of later shell-form RUNs only', async () => {
  const stage = targetOf(await planOf('FROM scratch\nRUN one\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b\n'));
  assert.equal(stepsOf(stage, 'run').map((r) => r.args), [['/bin/sh', '-c', 'one'], ['/bin/bash', '-o', 'pipefail', '-c', 'a | b']]);
});

test('RUN <<EOF runs the body as the shell script', async () => {
  const run = await runOf('FROM scratch\nRUN <<EOF\necho a\necho $HOME\nEOF\n');
  assert.equal(run.args, ['/bin/sh', '-c', 'echo a\necho $HOME\n']);
  assert.equal(run.files, []);
  assert.is(run.name, '[1/1] RUN <<EOF (echo a...)');
  assert.is(run.createdBy, 'RUN /bin/sh -c echo a\necho $HOME\n # buildkit');
});

test('RUN <<EOF with #! runs the body as a file with that interpreter', async () => {
  const run = await runOf('FROM scratch\nRUN <<EOF\n#!/usr/bin/env python3\nprint("hi")\nEOF\n');
  assert.equal(run.files, [{ path: '/dev/pipes/EOF', data: '#!/usr/bin/env python3\nprint("hi")\n', mode: 0o755 }]);
  assert.equal(run.args, ['/bin/sh', '-c', '/dev/pipes/EOF']);
  assert.is(run.createdBy, 'RUN /bin/sh -c /dev/pipes/EOF # buildkit');
});

test('RUN <<-EOF strips leading tabs; a quoted delimiter changes nothing for RUN', async () => {
  const chomped = await runOf('FROM scratch\nRUN <<-EOF\n\techo a\n\tEOF\n');
  assert.equal(chomped.args, ['/bin/sh', '-c', 'echo a\n']);
  const quoted = await runOf('FROM scratch\nENV X=1\nRUN <<"EOF"\necho $X\nEOF\n');
  assert.equal(quoted.args, ['/bin/sh', '-c', 'echo $X\n']);
});

test('a heredoc inside a command goes to the shell as written', async () => {
  const run = await runOf('FROM scratch\nRUN cat <<EOF > /out\nhello $NAME\nEOF\n');
  assert.equal(run.args, ['/bin/sh', '-c', 'cat <<EOF > /out\nhello $NAME\nEOF']);
  assert.equal(run.files, []);
  assert.is(run.name, '[1/1] RUN cat <<EOF > /out');
});

test('RUN gets the image env, ARGs and ENV; USER and WORKDIR at that point', async () => {
  const run = await runOf('FROM alpine\nARG V=1\nENV E=2\nUSER nobody\nWORKDIR /w\nRUN id\n');
  assert.equal(run.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'V=1', 'E=2']);
  assert.equal([run.user, run.cwd], ['nobody', '/w']);
  assert.is(run.createdBy, 'RUN |1 V=1 /bin/sh -c id # buildkit');
});

test('the progress name shows variables expanded, quotes kept, unset ones as written', async () => {
  const run = await runOf('FROM alpine\nENV X=1\nRUN echo $X "$Y"\n');
  assert.is(run.name, '[2/2] RUN echo 1 "$Y"');
  assert.equal(run.args, ['/bin/sh', '-c', 'echo $X "$Y"']);
});

test('--network and --security are planned and part of the definition, not of history', async () => {
  const run = await runOf('FROM scratch\nRUN --network=none --security=insecure true\n');
  assert.equal([run.network, run.security], ['none', 'insecure']);
  assert.equal([run.definition.network, run.definition.security], ['none', 'insecure']);
  assert.is(run.createdBy, 'RUN /bin/sh -c true # buildkit');
  assert.is(run.name, '[1/1] RUN --network=none --security=insecure true');
});

test('cache mount: id defaults to the target, sharing to shared, from scratch', async () => {
  const run = await runOf('FROM scratch\nRUN --mount=type=cache,target=/root/.cache/ go build\n');
  assert.equal(run.mounts, [{
    type: 'cache', target: '/root/.cache/', from: { kind: 'scratch' }, source: '/', id: '/root/.cache', sharing: 'shared',
    readOnly: false, mode: null, uid: null, gid: null,
  }]);
});

test('mount values expand with the stage variables; relative targets use WORKDIR', async () => {
  const run = await runOf('FROM scratch\nARG C=/cache\nWORKDIR /src\nRUN --mount=type=cache,target=$C,id=my-$C,sharing=locked,uid=1000 --mount=target=.,source=sub x\n');
  assert.equal(run.mounts, [
    { type: 'cache', target: '/cache', from: { kind: 'scratch' }, source: '/', id: 'my-/cache', sharing: 'locked', readOnly: false, mode: null, uid: 1000, gid: null },
    { type: 'bind', target: '/src', from: { kind: 'context' }, source: '/sub', readOnly: true },
  ]);
});

test('bind mounts from a stage (a dependency) and from an image', async () => {
  const plan = await planOf('FROM scratch AS tools\nFROM scratch AS unused\nFROM scratch\nRUN --mount=from=tools,target=/t,rw --mount=from=golang,target=/g,source=/usr/local/go x\n');
  const stage = targetOf(plan);
  assert.equal(plan.stages.map((s) => s.index), [0, 2]);
  assert.equal(stage.dependsOn, [0]);
  assert.equal(stepsOf(stage, 'run')[0]?.mounts, [
    { type: 'bind', target: '/t', from: { kind: 'stage', index: 0 }, source: '/', readOnly: false },
    { type: 'bind', target: '/g', from: { kind: 'image', ref: 'docker.io/library/golang:latest' }, source: '/usr/local/go', readOnly: true },
  ]);
});

test('tmpfs, secret and ssh mounts get BuildKit\'s defaults', async () => {
  const df = 'FROM scratch\nRUN --mount=type=tmpfs,target=/t,size=1m --mount=type=secret,id=tok --mount=type=secret,target=/k/key,required ' +
    '--mount=type=secret,id=s,env=TOKEN --mount=type=ssh --mount=type=ssh,id=gh,mode=0644 x\n';
  const run = await runOf(df);
  assert.equal(run.mounts, [
    { type: 'tmpfs', target: '/t', size: 1024 * 1024 },
    { type: 'secret', id: 'tok', env: null, required: false, mode: 0o400, uid: 0, gid: 0, target: '/run/secrets/tok' },
    { type: 'secret', id: 'key', env: null, required: true, mode: 0o400, uid: 0, gid: 0, target: '/k/key' },
    { type: 'secret', id: 's', env: 'TOKEN', required: false, mode: 0o400, uid: 0, gid: 0, target: null },
    { type: 'ssh', id: 'default', required: false, mode: 0o600, uid: 0, gid: 0, target: '/run/buildkit/ssh_agent.0' },
    { type: 'ssh', id: 'gh', required: false, mode: 0o644, uid: 0, gid: 0, target: '/run/buildkit/ssh_agent.1' },
  ]);
});

test('a mount target of / is refused at the mount', async () => {
  assert.is(await failureOf('FROM scratch\nRUN --mount=type=bind,target=$NOPE true\n'), '2:5 invalid mount target "/"');
});

test('an expanded mount is checked like a written one', async () => {
  assert.is(await failureOf('FROM scratch\nARG T=bogus\nRUN --mount=type=$T,target=/x true\n'), '3:5 unsupported mount type "bogus"');
});

test('a mount from a later stage is refused', async () => {
  assert.is(
    await failureOf('FROM scratch AS first\nRUN --mount=from=later,target=/x true\nFROM scratch AS later\nCOPY --from=first / /\n'),
    '2:1 cannot mount from stage "later", it needs to be defined before current stage "first"',
  );
});

test('history lists the stage ARGs once each, with current values', async () => {
  const run = await runOf('FROM scratch\nARG A=1 B\nARG A=2\nRUN x\n');
  assert.is(run.createdBy, 'RUN |2 A=2 B= /bin/sh -c x # buildkit');
});

test('the definition covers args, env, user, cwd and mounts', async () => {
  const run = await runOf('FROM scratch\nUSER u\nRUN --mount=type=tmpfs,target=/t x\n');
  assert.equal(run.definition, {
    op: 'run', args: ['/bin/sh', '-c', 'x'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    user: 'u', cwd: '/', network: 'default', security: 'sandbox', mounts: [{ type: 'tmpfs', target: '/t', size: null }], files: [],
  });
});

test.run();
