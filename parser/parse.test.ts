// Directives, escape characters, continuations, line endings and forms, with ranges.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerfileSyntaxError, dumpDockerfile, parse, type Range } from './index.js';

const dump = (text: string): string => dumpDockerfile(parse(text));
const at = (r: Range): string => `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
function failure(text: string): string {
  try {
    parse(text, { filename: 'Dockerfile' });
  } catch (err) {
    assert.instance(err, DockerfileSyntaxError);
    return (err as DockerfileSyntaxError).message;
  }
  return 'no error';
}

const directives = suite('parse: directives');

directives('syntax, escape and check are read, case-insensitively, with ranges', () => {
  const df = parse('# SYNTAX = docker/dockerfile:1\n#escape=`\n# Check=skip=all\nFROM a\n');
  assert.equal(
    df.directives.map((d) => [d.name, d.value, at(d.range)]),
    [
      ['syntax', 'docker/dockerfile:1', '1:1-1:31'],
      ['escape', '`', '2:1-2:10'],
      ['check', 'skip=all', '3:1-3:17'],
    ],
  );
  assert.is(df.escapeToken, '`');
});

directives('a repeated directive is an error at its line', () => {
  assert.is(failure('# escape=\\\n# escape=`\nFROM a\n'), 'Dockerfile:2:1: only one escape parser directive can be used');
  assert.is(failure('# syntax=a\n# SYNTAX=b\nFROM a\n'), 'Dockerfile:2:1: only one syntax parser directive can be used');
});

directives('an invalid escape token is an error', () => {
  assert.match(failure('# escape=x\nFROM a\n'), /^Dockerfile:1:1: invalid escape token 'x' does not match ` or \\/);
});

directives('directives end at the first other line: comment, blank line or instruction', () => {
  assert.equal(parse('# hello\n# escape=`\nFROM a\n').directives, []);
  assert.equal(parse('\n# escape=`\nFROM a\n').directives, []);
  assert.equal(parse('FROM a\n# escape=`\nRUN x\n').directives, []);
  assert.equal(parse('# unknown=1\n# escape=`\nFROM a\n').directives, []);
  // After directives end, a repeated one is just a comment.
  assert.is(parse('# escape=`\n\n# escape=`\nFROM a\n').directives.length, 1);
});

directives.run();

const lines = suite('parse: lines and escapes');

lines('backtick escape: continuation and backslash as a plain character', () => {
  const text = '# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo hi\nCOPY a\\b c:\\d\\\n';
  assert.is(dump(text), '(from "a")\n(run "dir c:\\\\   && echo hi")\n(copy "a\\\\b" "c:\\\\d\\\\")\n');
});

lines('CRLF line endings and a UTF-8 BOM', () => {
  const df = parse('\ufeff# escape=`\r\nFROM a\r\nRUN x `\r\n  y\r\n');
  assert.is(df.escapeToken, '`');
  assert.is(dumpDockerfile(df), '(from "a")\n(run "x   y")\n');
  assert.is(at(df.instructions[1]!.range), '3:1-4:4');
});

lines('continuations skip comment and blank lines, and may end the file', () => {
  const df = parse('FROM a\nRUN a \\\n# note\n\n  b \\');
  assert.is(dumpDockerfile(df), '(from "a")\n(run "a   b")\n');
  assert.is(at(df.instructions[1]!.range), '2:1-5:6');
  assert.is(df.warnings.length, 1);
  assert.match(df.warnings[0]!.message, /Empty continuation line/);
});

lines('keywords are case-insensitive and keep their case', () => {
  const df = parse('from a AS b\nRun echo\n');
  assert.equal(
    df.instructions.map((i) => [i.keyword, i.name]),
    [
      ['from', 'from'],
      ['Run', 'run'],
    ],
  );
});

lines('ranges of keywords, flags and words', () => {
  const df = parse('FROM a\n  COPY --from=b --chown=1:2 \\\n    x y\n');
  const copy = df.instructions[1]!;
  assert.is(at(copy.keywordRange), '2:3-2:7');
  assert.equal(copy.flags.map((f) => [f.name, f.value, at(f.range)]), [
    ['from', 'b', '2:8-2:16'],
    ['chown', '1:2', '2:17-2:28'],
  ]);
  assert.is(copy.args.form, 'words');
  if (copy.args.form === 'words') assert.equal(copy.args.values.map((w) => at(w.range)), ['3:5-3:6', '3:7-3:8']);
});

lines('a line longer than 65535 bytes is an error', () => {
  assert.match(failure(`FROM a\nRUN ${'x'.repeat(70000)}\n`), /^Dockerfile:2:1: dockerfile line greater than max allowed size of 65535/);
  assert.is(dump(`FROM a\nRUN ${'x'.repeat(60000)}\n`).length, 60000 + 20);
});

lines.run();

const forms = suite('parse: JSON and shell forms');

forms('JSON form, and invalid JSON falling back to shell form', () => {
  const df = parse('FROM a\nCMD ["a", "b c"]\nCMD [\'a\']\nCMD ["a"\nRUN [ ]\nENTRYPOINT ["x"]  \t\n');
  assert.equal(df.instructions.slice(1).map((i) => i.args.form), ['json', 'string', 'string', 'json', 'json']);
  assert.is(dumpDockerfile(df).split('\n')[5], '(entrypoint "x")');
});

// BuildKit decodes the whole rest with json.Unmarshal: text after the array makes it shell form.
forms('text after a JSON array makes the line shell form, the whole text kept', () => {
  const df = parse('FROM a\nRUN ["echo","hello"]this is invalid\nENTRYPOINT []random string\nCMD ["a"] ["b"]\nRUN [1] x\nCOPY ["a", "b"] c\n');
  assert.equal(df.instructions.slice(1).map((i) => i.args.form), ['string', 'string', 'string', 'string', 'words']);
  assert.equal(dumpDockerfile(df).split('\n').slice(1, 6), [
    '(run "[\\"echo\\",\\"hello\\"]this is invalid")',
    '(entrypoint "[]random string")',
    '(cmd "[\\"a\\"] [\\"b\\"]")',
    '(run "[1] x")',
    '(copy "[\\"a\\"," "\\"b\\"]" "c")',
  ]);
});

forms('a JSON array with a non-string is an error at the array', () => {
  assert.is(failure('FROM a\nRUN ["a", 1]\n'), 'Dockerfile:2:5: when using JSON array syntax, arrays must be comprised of strings only');
});

forms('flags: --name, --name=value, quotes removed, -- ends them', () => {
  const df = parse('FROM a\nRUN --mount=type=cache,target="/x y" --network=none -- echo --not-a-flag\n');
  const run = df.instructions[1]!;
  assert.equal(run.flags.map((f) => [f.name, f.value]), [
    ['mount', 'type=cache,target=/x y'],
    ['network', 'none'],
  ]);
  assert.is(dumpDockerfile(df).split('\n')[1], '(run ["--mount=type=cache,target=/x y" "--network=none"] "echo --not-a-flag")');
  assert.equal(parse('FROM a\nCOPY --link x y\n').instructions[1]!.flags.map((f) => [f.name, f.value]), [['link', null]]);
});

forms('ONBUILD nests an instruction', () => {
  assert.is(dump('FROM a\nONBUILD ADD --chown=1 . /app\nonbuild\n'), '(from "a")\n(onbuild (add ["--chown=1"] "." "/app"))\n(onbuild)\n');
});

forms('ENV and LABEL forms', () => {
  assert.is(dump('FROM a\nENV A b c\nLABEL "x y"="z w" k=v\n'), '(from "a")\n(env "A" "b c" "")\n(label "\\"x y\\"" "\\"z w\\"" "=" "k" "v" "=")\n');
  assert.match(failure('FROM a\nENV A=1 B\n'), /^Dockerfile:2:9: Syntax error - can't find = in "B"/);
});

forms('empty Dockerfiles and comment-only Dockerfiles fail', () => {
  assert.is(failure(''), 'Dockerfile:1:1: file with no instructions');
  assert.is(failure('# just a comment\n\n'), 'Dockerfile:2:1: file with no instructions');
});

forms.run();
