// COPY and ADD: sources, destination, flags and heredoc sources.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandOf, failureIn } from './test-support.js';

const copy = suite('instructions: COPY');

copy('sources and destination, words or JSON', () => {
  const cmd = commandOf('copy', 'COPY a.txt dir/ /dest/');
  assert.equal(cmd.sources.map((w) => w.value), ['a.txt', 'dir/']);
  assert.is(cmd.dest.value, '/dest/');
  assert.equal(cmd.dest.range.start.column, 17);
  const json = commandOf('copy', 'COPY ["a b", "/c d/"]');
  assert.equal([json.sources.map((w) => w.value), json.dest.value], [['a b'], '/c d/']);
});

copy('flags: --from --chown --chmod --link --parents --exclude', () => {
  const cmd = commandOf('copy', 'COPY --from=build --chown=1:2 --chmod=0644 --link --parents --exclude=*.tmp a /b');
  assert.equal(
    [cmd.from, cmd.chown, cmd.chmod, cmd.link, cmd.parents, cmd.excludes],
    ['build', '1:2', '0644', true, true, ['*.tmp']],
  );
  const plain = commandOf('copy', 'COPY a /b');
  assert.equal([plain.from, plain.chown, plain.chmod, plain.link, plain.parents, plain.excludes], [null, null, null, false, false, []]);
});

copy('needs a source and a destination', () => {
  const msg = 'COPY requires at least two arguments, but only one was provided. Destination could not be determined';
  assert.is(failureIn('COPY a'), `2:1 ${msg}`);
  assert.is(failureIn('COPY\t\n\tquux \\\n  bar'), `2:1 ${msg}`);
});

copy('rejects ADD-only flags', () => {
  assert.is(failureIn('COPY --checksum=sha256:x a b'), '2:6 unknown flag: --checksum');
});

copy.run();

const heredoc = suite('instructions: COPY/ADD heredocs');

heredoc('a heredoc source becomes an inline file named after its delimiter', () => {
  const cmd = commandOf('copy', 'COPY <<EOF /etc/motd\nwelcome\nEOF\n');
  assert.equal(cmd.inline, [{ path: 'EOF', data: 'welcome\n', expand: true }]);
  assert.equal(cmd.sources, []);
});

heredoc('quoted delimiters turn expansion off; <<- strips leading tabs', () => {
  assert.equal(commandOf('copy', "COPY <<'EOF' /x\n$HOME\nEOF\n").inline, [{ path: 'EOF', data: '$HOME\n', expand: false }]);
  assert.equal(commandOf('copy', 'COPY <<-EOF /x\n\t\tindented\nEOF\n').inline, [{ path: 'EOF', data: 'indented\n', expand: true }]);
});

heredoc('several heredocs and plain sources mix, in order', () => {
  const cmd = commandOf('copy', 'COPY <<ONE file.txt <<TWO /dest/\nfirst\nONE\nsecond\nTWO\n');
  assert.equal(cmd.inline.map((s) => [s.path, s.data]), [['ONE', 'first\n'], ['TWO', 'second\n']]);
  assert.equal(cmd.sources.map((w) => w.value), ['file.txt']);
});

heredoc('a heredoc cannot be the destination', () => {
  assert.is(failureIn('COPY /foo <<EOF\nEOF\n'), '2:11 COPY cannot accept a heredoc as a destination');
  assert.is(failureIn('ADD /foo <<EOF\nEOF\n'), '2:10 ADD cannot accept a heredoc as a destination');
});

heredoc.run();

const add = suite('instructions: ADD');

add('flags: --chown --chmod --link --checksum --keep-git-dir --unpack --exclude', () => {
  const cmd = commandOf(
    'add',
    'ADD --chown=app --chmod=755 --link --checksum=sha256:abc --keep-git-dir=true --unpack=false --exclude=a https://x/y.tgz /opt/',
  );
  assert.equal(
    [cmd.chown, cmd.chmod, cmd.link, cmd.checksum, cmd.keepGitDir, cmd.unpack, cmd.excludes],
    ['app', '755', true, 'sha256:abc', true, false, ['a']],
  );
  assert.equal(cmd.sources.map((w) => w.value), ['https://x/y.tgz']);
});

add('--keep-git-dir and --unpack are unset unless given', () => {
  const cmd = commandOf('add', 'ADD a /b');
  assert.equal([cmd.keepGitDir, cmd.unpack, cmd.checksum], [null, null, null]);
});

add('needs two arguments and rejects COPY-only flags', () => {
  const msg = 'ADD requires at least two arguments, but only one was provided. Destination could not be determined';
  assert.is(failureIn('ADD a'), `2:1 ${msg}`);
  assert.is(failureIn('ADD --from=x a b'), '2:5 unknown flag: --from');
});

add.run();
