// The simpler instructions: their values, and BuildKit's argument-count errors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandOf, failure, failureIn } from './test-support.js';

const from = suite('instructions: FROM');

from('image, lowercased stage name and platform', () => {
  const cmd = commandOf('from', 'FROM --platform=linux/arm64 golang:1.22 AS Build');
  assert.equal([cmd.image, cmd.stageName, cmd.platform], ['golang:1.22', 'build', 'linux/arm64']);
  const plain = commandOf('from', 'from scratch');
  assert.equal([plain.image, plain.stageName, plain.platform], ['scratch', null, null]);
});

from('takes one or three arguments', () => {
  assert.is(failure('FROM a b'), '1:1 FROM requires either one or three arguments');
  assert.is(failure('FROM a to b'), '1:1 FROM requires either one or three arguments');
  assert.is(failure('FROM'), '1:1 FROM requires either one or three arguments');
});

from('a stage name must start with a letter and hold only letters, digits, -, _ and .', () => {
  assert.is(commandOf('from', 'FROM a AS my-stage_1.x').stageName, 'my-stage_1.x');
  const msg = `invalid name for build stage: "1st", name can't start with a number or contain symbols`;
  assert.is(failure('FROM a AS 1st'), `1:11 ${msg}`);
  assert.match(failure('FROM a AS st@ge'), /^1:11 invalid name for build stage: "st@ge"/);
});

from('the stage name is checked before the flags', () => {
  assert.is(failure('FROM --bad a b'), '1:1 FROM requires either one or three arguments');
  assert.is(failure('FROM --platfrom=x a'), '1:6 unknown flag: --platfrom (did you mean platform?)');
});

from.run();

const cmds = suite('instructions: CMD, ENTRYPOINT, SHELL');

cmds('exec form keeps the JSON strings; shell form keeps the text', () => {
  assert.equal(commandOf('cmd', 'CMD ["echo", "a b"]').command, { form: 'exec', args: ['echo', 'a b'] });
  assert.equal(commandOf('cmd', 'CMD echo $HOME').command, { form: 'shell', script: 'echo $HOME' });
  assert.equal(commandOf('entrypoint', 'ENTRYPOINT []').command, { form: 'exec', args: [] });
  assert.equal(commandOf('entrypoint', 'ENTRYPOINT').command, { form: 'shell', script: '' });
});

cmds('SHELL needs a non-empty JSON array', () => {
  assert.equal(commandOf('shell', 'SHELL ["/bin/bash", "-c"]').shell, ['/bin/bash', '-c']);
  assert.is(failureIn('SHELL []'), '2:1 SHELL requires at least one argument');
  assert.is(failureIn('SHELL /bin/bash -c'), '2:1 SHELL requires the arguments to be in JSON form');
});

cmds.run();

const kv = suite('instructions: ENV, LABEL, ARG');

kv('ENV and LABEL keep pairs in order, values as written', () => {
  const env = commandOf('env', 'ENV A=1 B="two words" C=${A}');
  assert.equal(env.pairs.map((p) => [p.key, p.value, p.legacy]), [['A', '1', false], ['B', '"two words"', false], ['C', '${A}', false]]);
  const legacy = commandOf('env', 'ENV PATH /usr/bin:/bin');
  assert.equal(legacy.pairs.map((p) => [p.key, p.value, p.legacy]), [['PATH', '/usr/bin:/bin', true]]);
  const label = commandOf('label', 'LABEL org.opencontainers.image.title="kiln" version=1');
  assert.equal(label.pairs.map((p) => [p.key, p.value]), [['org.opencontainers.image.title', '"kiln"'], ['version', '1']]);
});

kv('ENV and LABEL need a name before =', () => {
  assert.is(failureIn('ENV =x'), '2:5 ENV names can not be blank');
  assert.is(failureIn('LABEL a=1 =x'), '2:11 LABEL names can not be blank');
  assert.is(failureIn('ENV'), '2:1 ENV requires at least one argument');
  assert.is(failureIn('LABEL'), '2:1 LABEL requires at least one argument');
});

kv('ARG defines names with optional defaults, several per line', () => {
  const arg = commandOf('arg', 'ARG a=1 b c="x y" d=');
  assert.equal(arg.args.map((a) => [a.name, a.default]), [['a', '1'], ['b', null], ['c', '"x y"'], ['d', '']]);
});

kv('ARG needs a name', () => {
  assert.is(failure('ARG'), '1:1 ARG requires at least one argument');
  assert.is(failure('ARG a=1 =2'), '1:9 ARG names can not be blank');
});

kv.run();

const single = suite('instructions: USER, WORKDIR, STOPSIGNAL, MAINTAINER, VOLUME');

single('one-value instructions keep the rest of the line', () => {
  assert.is(commandOf('user', 'USER app:staff').user, 'app:staff');
  assert.is(commandOf('workdir', 'WORKDIR /src/$NAME').path, '/src/$NAME');
  assert.is(commandOf('stopsignal', 'STOPSIGNAL SIGKILL').signal, 'SIGKILL');
  assert.is(commandOf('maintainer', 'MAINTAINER Jane Doe <jane@example.com>').maintainer, 'Jane Doe <jane@example.com>');
});

single('one-value instructions require their value', () => {
  for (const kw of ['USER', 'WORKDIR', 'STOPSIGNAL', 'MAINTAINER']) {
    assert.is(failureIn(kw), `2:1 ${kw} requires exactly one argument`);
  }
});

single('VOLUME takes words or a JSON array, trimmed', () => {
  assert.equal(commandOf('volume', 'VOLUME /data /logs').volumes.map((w) => w.value), ['/data', '/logs']);
  assert.equal(commandOf('volume', 'VOLUME [" /data ", "/a b"]').volumes.map((w) => w.value), ['/data', '/a b']);
});

single('VOLUME rejects no argument and empty paths', () => {
  assert.is(failureIn('VOLUME'), '2:1 VOLUME requires at least one argument');
  assert.is(failureIn('VOLUME ["/a", "  "]'), '2:15 VOLUME specified can not be an empty string');
});

single.run();

const onbuild = suite('instructions: ONBUILD');

onbuild('keeps the trigger text and the nested instruction', () => {
  const cmd = commandOf('onbuild', 'ONBUILD RUN echo "hi"');
  assert.is(cmd.expression, 'RUN echo "hi"');
  assert.is(cmd.trigger.name, 'run');
});

onbuild('appends heredoc bodies to the trigger text', () => {
  const cmd = commandOf('onbuild', 'onbuild COPY <<EOF /x\nhello\nEOF\n');
  assert.is(cmd.expression, 'COPY <<EOF /x\nhello\nEOF');
});

onbuild('rejects ONBUILD, FROM and MAINTAINER as triggers', () => {
  assert.is(failureIn('ONBUILD ONBUILD RUN x'), "2:9 Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  assert.is(failureIn('ONBUILD from a'), "2:9 FROM isn't allowed as an ONBUILD trigger");
  assert.is(failureIn('ONBUILD MAINTAINER me'), "2:9 MAINTAINER isn't allowed as an ONBUILD trigger");
  assert.is(failureIn('ONBUILD'), '2:1 ONBUILD requires at least one argument');
});

onbuild.run();

const unknown = suite('instructions: unknown');

unknown('an unknown instruction is an error at its keyword, with a hint in its case (lower unless all upper)', () => {
  assert.is(failureIn('RUNN echo'), '2:1 unknown instruction: RUNN (did you mean RUN?)');
  assert.is(failureIn('  copyy a b'), '2:3 unknown instruction: copyy (did you mean copy?)');
  assert.is(failureIn('Workdirr /x'), '2:1 unknown instruction: Workdirr (did you mean workdir?)');
  assert.is(failureIn('FOO bar'), '2:1 unknown instruction: FOO (did you mean FROM?)');
  assert.is(failureIn('BOGUS bar'), '2:1 unknown instruction: BOGUS');
});

unknown.run();
