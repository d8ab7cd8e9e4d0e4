import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findError, NotFoundError } from '../../util/errors.js';
import { DockerfileSyntaxError } from '../../parser/index.js';
import { copyOf, failureOf, planOf, stepsOf, targetOf } from './test-support.js';

test('COPY from the context: sources, destination, history', async () => {
  const copy = await copyOf('FROM scratch\nCOPY a.txt b/ /dst/\n');
  assert.equal([copy.isAdd, copy.add, copy.from, copy.sources, copy.dest, copy.destIsDir], [false, null, { kind: 'context' }, ['a.txt', 'b/'], '/dst/', true]);
  assert.is(copy.createdBy, 'COPY a.txt b/ /dst/ # buildkit');
  assert.is(copy.name, '[1/1] COPY a.txt b/ /dst/');
  assert.is(targetOf(await planOf('FROM scratch\nCOPY a /a\n')).config.history?.[0]?.empty_layer, undefined);
});

const destinations: [string, string, string, boolean][] = [
  ['WORKDIR /app', '.', '/app/', true],
  ['WORKDIR /app', './', '/app/', true],
  ['WORKDIR /app', 'sub', '/app/sub', false],
  ['WORKDIR /app', 'sub/', '/app/sub/', true],
  ['WORKDIR /app', '../y', '/y', false],
  ['WORKDIR /app', '/abs//x/', '/abs/x/', true],
  ['WORKDIR /app', 'dir/.', '/app/dir/.', true],
  ['ENV NOTHING=', 'rel', '/rel', false],
  ['ENV NOTHING=', '.', '/', true],
];

for (const [before, dest, expected, isDir] of destinations) {
  test(`destination ${dest} after ${before} is ${expected}`, async () => {
    const copy = await copyOf(`FROM scratch\n${before}\nCOPY x ${dest}\n`);
    assert.equal([copy.dest, copy.destIsDir], [expected, isDir]);
    assert.is(copy.createdBy, `COPY x ${dest} # buildkit`);
  });
}

test('a relative destination uses the base image\'s WorkingDir', async () => {
  const copy = await copyOf('FROM golang\nCOPY x .\n');
  assert.is(copy.dest, '/go/');
});

test('sources, destination, --chown and --chmod expand; history shows the expanded values', async () => {
  const copy = await copyOf('FROM scratch\nARG U=app SRC=a DST=/b\nCOPY --chown=$U:$U --chmod=0755 $SRC "${DST}/" \n');
  assert.equal([copy.sources, copy.dest, copy.chown, copy.chmod], [['a'], '/b/', 'app:app', '0755']);
  assert.is(copy.createdBy, 'COPY --chown=app:app --chmod=0755 a /b/ # buildkit');
});

test('--chmod takes octal up to 07777 or a symbolic mode', async () => {
  assert.is(await failureOf('FROM scratch\nCOPY --chmod=u+x,go=r a /a\n'), 'no error');
  assert.is(await failureOf('FROM scratch\nCOPY --chmod=10000 a /a\n'), "2:1 invalid chmod parameter: '10000'. it should be octal string and between 0 and 07777");
  assert.is(await failureOf('FROM scratch\nCOPY --chmod=789 a /a\n'), "2:1 invalid chmod parameter: '789'. it should be octal string and between 0 and 07777");
});

test('--link, --parents and --exclude are kept; only --parents is in history', async () => {
  const copy = await copyOf('FROM scratch\nCOPY --link --parents --exclude=*.md --exclude=.git ./a/./b /d/\n');
  assert.equal([copy.link, copy.parents, copy.excludes], [true, true, ['*.md', '.git']]);
  assert.is(copy.createdBy, 'COPY --parents ./a/./b /d/ # buildkit');
});

test('COPY --from a stage by name (any case) or index; history omits --from', async () => {
  const df = 'FROM scratch AS Build\nCOPY x /out\nFROM scratch AS unused\nFROM scratch\nCOPY --from=BUILD /out /a\nCOPY --from=0 /out /b\n';
  const plan = await planOf(df);
  assert.equal(plan.stages.map((s) => s.index), [0, 2]);
  const copies = stepsOf(targetOf(plan), 'copy');
  assert.equal(copies.map((c) => c.from), [{ kind: 'stage', index: 0 }, { kind: 'stage', index: 0 }]);
  assert.equal(copies.map((c) => c.createdBy), ['COPY /out /a # buildkit', 'COPY /out /b # buildkit']);
  assert.equal(targetOf(plan).dependsOn, [0]);
});

test('COPY --from an image', async () => {
  const asked: string[] = [];
  const plan = await planOf('FROM scratch\nCOPY --from=golang /usr/local/go /go\n', {
    resolveImage: async (ref) => { asked.push(ref); return { ref: `docker.io/library/${ref}:latest`, config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } } }; },
  });
  assert.equal(asked, ['golang']);
  assert.equal(stepsOf(targetOf(plan), 'copy')[0]?.from, { kind: 'image', ref: 'docker.io/library/golang:latest' });
  assert.is(targetOf(plan).displayName, 'stage-0');
});

test('an unknown --from name is an image; a missing one fails at the COPY', async () => {
  assert.is(await failureOf('FROM scratch\n\nCOPY --from=nosuch /x /x\n'), '3:1 image nosuch: not found in the local store');
  try {
    await planOf('FROM scratch\nCOPY --from=nosuch /x /x\n');
    assert.unreachable('expected an error');
  } catch (err) {
    assert.ok(err instanceof DockerfileSyntaxError);
    assert.ok(findError(err, NotFoundError) !== undefined);
  }
});

test('--from rejects variables, bad indexes, itself and later stages', async () => {
  assert.is(await failureOf('FROM scratch\nCOPY --from=$X a b\n'), '2:1 variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround');
  assert.is(await failureOf('FROM scratch\nCOPY --from=5 a b\n'), '2:1 invalid stage index 5');
  assert.is(await failureOf('FROM scratch AS me\nCOPY --from=me a b\n'), '2:1 circular dependency detected on stage: me');
  assert.is(await failureOf('FROM scratch AS a\nCOPY --from=b x y\nFROM scratch AS b\nCOPY --from=a x y\n'),
    '2:1 cannot copy from stage "b", it needs to be defined before current stage "a"');
});

test('COPY <<EOF writes a file from the body, expanded with quotes kept', async () => {
  const copy = await copyOf('FROM scratch\nARG NAME=world\nCOPY <<EOF /etc/motd\nsay "hi $NAME" \\$HOME\nEOF\n');
  assert.equal(copy.inline, [{ path: 'EOF', data: 'say "hi world" $HOME\n', mode: 0o644 }]);
  assert.equal(copy.sources, []);
  assert.is(copy.createdBy, 'COPY <<EOF /etc/motd # buildkit');
});

test('COPY <<"EOF" keeps the body as written; <<- strips tabs', async () => {
  const quoted = await copyOf('FROM scratch\nARG NAME=world\nCOPY <<"EOF" /f\nhi $NAME\nEOF\n');
  assert.equal(quoted.inline[0]?.data, 'hi $NAME\n');
  const chomped = await copyOf('FROM scratch\nCOPY <<-EOF /f\n\t\tindented\n\tEOF\n');
  assert.equal(chomped.inline[0]?.data, 'indented\n');
});

test('heredoc and path sources together: paths first in history', async () => {
  const copy = await copyOf('FROM scratch\nCOPY <<one a <<two /dir/\n1\none\n2\ntwo\n');
  assert.equal(copy.inline.map((f) => [f.path, f.data]), [['one', '1\n'], ['two', '2\n']]);
  assert.is(copy.createdBy, 'COPY a <<one <<two /dir/ # buildkit');
});

test('ADD: URL with checksum, options kept', async () => {
  const copy = await copyOf('FROM scratch\nADD --checksum=sha256:abc --keep-git-dir=false --unpack=true https://example.com/a.tar /a/\n');
  assert.equal([copy.isAdd, copy.add, copy.sources], [true, { checksum: 'sha256:abc', keepGitDir: false, unpack: true }, ['https://example.com/a.tar']]);
  assert.is(copy.createdBy, 'ADD https://example.com/a.tar /a/ # buildkit');
  assert.equal(copy.definition.op, 'add');
});

test('ADD and COPY source rules', async () => {
  assert.is(await failureOf('FROM scratch\nADD --checksum=sha256:abc local.tar /a\n'), '2:1 checksum requires HTTP(S) or Git sources');
  assert.is(await failureOf('FROM scratch\nADD --checksum=sha256:abc https://x/a https://x/b /a/\n'), "2:1 checksum can't be specified for multiple sources");
  assert.is(await failureOf('FROM scratch\nCOPY https://example.com/f /f\n'), "2:1 source can't be a URL for COPY");
  assert.is(await failureOf('FROM scratch\nCOPY https://github.com/moby/buildkit.git /src\n'), "2:1 source can't be a git ref for COPY");
  assert.is(await failureOf('FROM scratch\nADD https://github.com/moby/buildkit.git#v0.1 /src\n'), 'no error');
});

test('the COPY definition changes with what it copies', async () => {
  const a = await copyOf('FROM scratch\nCOPY a /x\n');
  const b = await copyOf('FROM scratch\nCOPY --chmod=600 a /x\n');
  assert.not.equal(a.definition, b.definition);
  assert.equal(a.definition, {
    op: 'copy', from: { kind: 'context' }, sources: ['a'], dest: '/x', chown: null, chmod: null, link: false, parents: false,
    excludes: [], inline: [], add: null,
  });
});

test.run();
