// Heredocs: every form BuildKit accepts, with their bodies and ranges.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chompHeredocContent, DockerfileSyntaxError, dumpDockerfile, parse, type Heredoc } from './index.js';

const docs = (text: string, i = 1): readonly Heredoc[] => parse(text).instructions[i]?.heredocs ?? [];
const brief = (h: Heredoc): unknown => [h.name, h.fileDescriptor, h.expand, h.chomp, h.content];
const lines = (h: Heredoc): string => `${h.range.start.line}-${h.range.end.line}`;

const test = suite('parse: heredocs');

test('RUN <<EOF keeps the body verbatim and dumps as the word', () => {
  const text = 'FROM a\nRUN <<EOF\necho "$x"\n  indented\n\nEOF\nRUN next\n';
  const df = parse(text);
  const [h] = docs(text);
  assert.equal(h && brief(h), ['EOF', 0, true, false, 'echo "$x"\n  indented\n\n']);
  assert.is(h && lines(h), '3-6');
  assert.is(df.instructions[1]?.range.end.line, 6);
  assert.is(dumpDockerfile(df), '(from "a")\n(run "<<EOF")\n(run "next")\n');
});

test('<<-EOF matches a tab-indented terminator and keeps tabs until chomped', () => {
  const [h] = docs('FROM a\nRUN <<-EOF\n\techo hi\n\t\tEOF\n');
  assert.equal(h && brief(h), ['EOF', 0, true, true, '\techo hi\n']);
  assert.is(chompHeredocContent('\techo\n\t\tx\n  y\n'), 'echo\nx\n  y\n');
});

test('quoted delimiters disable expansion', () => {
  assert.equal(docs("FROM a\nRUN <<'EOF'\nx\nEOF\n").map(brief), [['EOF', 0, false, false, 'x\n']]);
  assert.equal(docs('FROM a\nRUN <<"EOF"\nx\nEOF\n').map(brief), [['EOF', 0, false, false, 'x\n']]);
  assert.equal(docs("FROM a\nRUN <<eo'f'\nx\neof\n").map(brief), [['eof', 0, false, false, 'x\n']]);
});

test('an escaped quote is part of the name and keeps expansion on', () => {
  assert.equal(docs("FROM a\nCOPY <<eo\\'f /x\nhi\neo'f\n").map(brief), [["eo'f", 0, true, false, 'hi\n']]);
});

test('several heredocs on one line are read in order, with file descriptors', () => {
  const text = 'FROM a\nRUN <<A cat - 3<<B <<-C\na\nA\nb\nB\n\tc\n\tC\nRUN after\n';
  const hs = docs(text);
  assert.equal(hs.map(brief), [
    ['A', 0, true, false, 'a\n'],
    ['B', 3, true, false, 'b\n'],
    ['C', 0, true, true, '\tc\n'],
  ]);
  assert.equal(hs.map(lines), ['3-4', '5-6', '7-8']);
  assert.is(parse(text).instructions[2]?.range.start.line, 9);
});

test('COPY and ADD take heredocs, with a space after <<', () => {
  assert.equal(docs('FROM a\nCOPY <<EOF /dst\nx\nEOF\n').map(brief), [['EOF', 0, true, false, 'x\n']]);
  assert.equal(docs('FROM a\nADD << EOF /dst\nx\nEOF\n').length, 0, '"<<" alone is not a heredoc word');
  assert.equal(docs('FROM a\nADD <<EOF /dst\nx\nEOF\n').map(brief), [['EOF', 0, true, false, 'x\n']]);
});

test('ONBUILD RUN carries heredocs', () => {
  assert.equal(docs('FROM a\nONBUILD RUN <<EOF\nx\nEOF\n').map(brief), [['EOF', 0, true, false, 'x\n']]);
});

test('not heredocs: JSON form, other instructions, quoted words, a word with a suffix', () => {
  assert.equal(docs('FROM a\nRUN ["cat", "<<EOF"]\n').length, 0);
  assert.equal(parse('FROM a\nUSER <<X\n').instructions.length, 2);
  assert.equal(docs('FROM a\nRUN echo "<<EOF"\n').length, 0);
  assert.equal(docs('FROM a\nRUN echo <<EOF sh\nx\nEOF\n').map((h) => h.name), ['EOF']);
  assert.equal(docs('FROM a\nRUN cat <<EOF<<X\n').length, 0);
});

test('CRLF bodies keep their line endings; the terminator may end in CRLF', () => {
  assert.equal(docs('FROM a\r\nRUN <<EOF\r\nx\r\nEOF\r\n').map(brief), [['EOF', 0, true, false, 'x\r\n']]);
});

test('an unterminated heredoc is an error located at its instruction', () => {
  try {
    parse('FROM a\nRUN <<EOF\nnever ends\n', { filename: 'Dockerfile' });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, DockerfileSyntaxError);
    const e = err as DockerfileSyntaxError;
    assert.is(e.message, 'Dockerfile:2:1: unterminated heredoc EOF');
    assert.is(e.range.end.line, 3);
  }
});

test.run();
