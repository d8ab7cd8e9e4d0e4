// RUN: command forms, heredocs, --network, --security and every --mount variant.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Mount } from './index.js';
import { commandOf, failureIn } from './test-support.js';

/** The mount of `RUN --mount=<spec> true`, which must be checkable now. */
function mountOf(spec: string): Mount {
  const m = commandOf('run', `RUN --mount=${spec} true`).mounts[0];
  if (m === undefined || !m.resolved) throw new Error(`mount ${spec} not resolved`);
  return m.value;
}

const run = suite('instructions: RUN');

run('shell and exec forms', () => {
  assert.equal(commandOf('run', 'RUN apt-get update && apt-get install -y x').command, {
    form: 'shell',
    script: 'apt-get update && apt-get install -y x',
  });
  assert.equal(commandOf('run', 'RUN ["/bin/busybox", "--install", "-s", "/bin"]').command, {
    form: 'exec',
    args: ['/bin/busybox', '--install', '-s', '/bin'],
  });
  assert.equal(commandOf('run', 'RUN ["<<EOF"]').heredocs, []);
});

run('heredoc scripts are kept unchomped with their delimiter in the script', () => {
  const cmd = commandOf('run', 'RUN <<-EOF\n\techo one\n\techo two\nEOF\n');
  assert.equal(cmd.command, { form: 'shell', script: '<<-EOF' });
  assert.equal(cmd.heredocs, [{ name: 'EOF', content: '\techo one\n\techo two\n', chomp: true, expand: true }]);
  const py = commandOf('run', `RUN <<'EOF' | python3\nprint("hi")\nEOF\n`);
  assert.equal([py.command, py.heredocs[0]?.expand], [{ form: 'shell', script: "<<'EOF' | python3" }, false]);
});

run('network and security default to default and sandbox', () => {
  const cmd = commandOf('run', 'RUN true');
  assert.equal([cmd.network, cmd.security, cmd.mounts], ['default', 'sandbox', []]);
  const set = commandOf('run', 'RUN --network=none --security=insecure true');
  assert.equal([set.network, set.security], ['none', 'insecure']);
  assert.is(commandOf('run', 'RUN --network=host true').network, 'host');
});

run('other network and security values are errors at the flag', () => {
  assert.is(failureIn('RUN --network=bridge true'), '2:5 invalid network mode "bridge"');
  assert.is(failureIn('RUN --security=privileged true'), '2:5 security "privileged" is not valid');
  assert.is(failureIn('RUN --mount=type=nope --network=bad x'), '2:5 unsupported mount type "nope"');
});

run.run();

const mounts = suite('instructions: RUN --mount');

mounts('a bare mount is a read-only bind', () => {
  const m = mountOf('target=/src');
  assert.equal([m.type, m.target, m.readOnly], ['bind', '/src', true]);
});

mounts('bind: from, source/src, target/dst/destination, rw', () => {
  const m = mountOf('type=bind,from=build,src=/out,dst=/in,rw');
  assert.equal([m.type, m.from, m.source, m.target, m.readOnly], ['bind', 'build', '/out', '/in', false]);
  assert.is(mountOf('type=bind,source=a,destination=/b,readwrite=true').target, '/b');
  assert.is(mountOf('type=bind,target=/b,readonly=false').readOnly, false);
});

mounts('cache: id, sharing, mode, uid, gid; writable by default', () => {
  const m = mountOf('type=cache,target=/root/.cache,id=pip,sharing=locked,mode=0755,uid=1000,gid=1000');
  assert.equal(
    [m.type, m.target, m.id, m.sharing, m.mode, m.uid, m.gid, m.readOnly],
    ['cache', '/root/.cache', 'pip', 'locked', 0o755, 1000, 1000, false],
  );
  assert.is(mountOf('type=cache,target=/c,ro').readOnly, true);
  assert.is(mountOf('type=CACHE,target=/c,sharing=Private').sharing, 'private');
});

mounts('tmpfs: size with binary units', () => {
  const m = mountOf('type=tmpfs,target=/tmp,size=64m');
  assert.equal([m.type, m.size, m.readOnly], ['tmpfs', 64 * 1024 * 1024, false]);
  assert.is(mountOf('type=tmpfs,target=/t,size=1.5GiB').size, 1.5 * 1024 ** 3);
  assert.is(mountOf('type=tmpfs,target=/t,size=100').size, 100);
});

mounts('secret: id or source, target, env, required, mode', () => {
  const m = mountOf('type=secret,id=npmrc,target=/root/.npmrc,required,mode=0400');
  assert.equal([m.type, m.id, m.target, m.required, m.mode, m.readOnly], ['secret', 'npmrc', '/root/.npmrc', true, 0o400, true]);
  const env = mountOf('type=secret,id=token,env=TOKEN,required=false');
  assert.equal([env.env, env.required], ['TOKEN', false]);
});

mounts('ssh: id and required', () => {
  const m = mountOf('type=ssh,id=default,required=true');
  assert.equal([m.type, m.id, m.required], ['ssh', 'default', true]);
});

mounts('CSV quoting (inside shell quotes, which the flag loses) lets a value hold a comma', () => {
  assert.is(mountOf(`'type=bind,"target=/a,b"'`).target, '/a,b');
});

mounts('mounts using variables are kept for the frontend, with their text and range', () => {
  const cmd = commandOf('run', 'RUN --mount=type=cache,target=$HOME/.cache --mount=type=tmpfs,target=/t true');
  assert.equal(cmd.mounts.map((m) => [m.resolved, m.text]), [[false, 'type=cache,target=$HOME/.cache'], [true, 'type=tmpfs,target=/t']]);
  assert.equal(cmd.mounts[1]?.range.start.column, 44);
});

mounts('bad values are errors at the flag, with BuildKit messages', () => {
  const cases: readonly [string, string][] = [
    ['type=bnd', 'unsupported mount type "bnd" (did you mean bind?)'],
    ['type=cache,sharing=lockd', 'unsupported sharing value "lockd" (did you mean locked?)'],
    ['type=cache,target=/c,trget=/x', "unexpected key 'trget' in 'trget=/x' (did you mean target?)"],
    ['target=/c,foo', "invalid field 'foo' must be a key=value pair"],
    ['target=/c,ro=maybe', 'invalid value for ro: maybe'],
    ['type=cache,mode=0999', 'invalid value 0999 for mode'],
    ['type=cache,uid=-1', 'invalid value -1 for uid'],
    ['type=tmpfs,size=lots', 'invalid value for size: lots'],
    ['type=bind,size=1m', "unexpected key 'size' for mount type 'bind'"],
    ['type=cache,required', "unexpected key 'required' for mount type 'cache'"],
    ['type=bind,uid=1', 'uid not allowed for "bind" type mounts'],
    ['type=tmpfs,mode=0755', 'mode not allowed for "tmpfs" type mounts'],
    ['type=bind,sharing=shared', 'invalid cache sharing set for bind mount'],
    ['type=secret,from=x,id=a', 'secret mount should not have a from'],
    ['type=secret,id=a,sharing=locked', 'secret mount should not define sharing'],
    ['type=secret', 'invalid secret mount. one of source, target required'],
    ['type=secret,id=a,source=b', "both source and id can't be set"],
    [`'type=bind,"target=/x'`, 'failed to parse csv mounts: parse error on line 1, column 12: extraneous or missing " in quoted-field'],
    [`'target=/a"b'`, 'failed to parse csv mounts: parse error on line 1, column 10: bare " in non-quoted-field'],
    [`''`, 'failed to parse csv mounts: EOF'],
  ];
  for (const [spec, msg] of cases) assert.is(failureIn(`RUN --mount=${spec} true`), `2:5 ${msg}`, spec);
});

mounts('errors in a mount with variables are still found where possible', () => {
  assert.is(failureIn('RUN --mount=from=$STAGE,target=/x true'), "2:5 'from' doesn't support variable expansion, define alias stage instead");
  assert.is(failureIn('RUN --mount=type=cache,target=$X,sharin=locked true'), "2:5 unexpected key 'sharin' in 'sharin=locked' (did you mean sharing?)");
});

mounts('the second mount is blamed at its own flag', () => {
  assert.is(failureIn('RUN --mount=target=/a --mount=type=x true'), '2:23 unsupported mount type "x"');
});

mounts.run();
