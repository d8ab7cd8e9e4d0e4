// Expectations ported from BuildKit's frontend/dockerfile/shell/lex_test.go
// tables, plus kiln's own cases for raw modes, escape tokens and errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PatternError, patternToRegexSource, reversePattern } from './pattern.js';
import { ShellExpansionError, ShellLex, expandWord, type Env, type ShellLexOptions } from './index.js';

interface Case {
  input: string;
  env: Record<string, string>;
  /** Expected result, or `null` when expansion must fail. */
  want: string | null;
  matched?: string[];
  unmatched?: string[];
}

const XY = { FOO: 'xxx', BAR: '' };

// lex_test.go TestProcessWithMatches: `-`, `+`, `?`, `=`, `#`, `##`, `%`, `%%`, `/`, `//`.
const matchCases: Case[] = [
  { input: 'x', env: { DUMMY: 'dummy' }, want: 'x' },
  { input: 'x ${UNUSED}', env: { DUMMY: 'dummy' }, want: 'x ', unmatched: ['UNUSED'] },
  { input: 'x ${FOO}', env: { FOO: 'y' }, want: 'x y', matched: ['FOO'] },
  { input: '${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', env: XY, want: 'xxx  ccc', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}', env: XY, want: 'xxx bbb ccc', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:-}', env: XY, want: 'xxx', matched: ['FOO'] },
  { input: '${FOO:-}', env: {}, want: '', unmatched: ['FOO'] },
  { input: '${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}', env: XY, want: 'aaa bbb ', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', env: XY, want: 'aaa  ', matched: ['FOO', 'BAR'], unmatched: ['BAZ'] },
  { input: '${FOO?aaa}', env: XY, want: 'xxx', matched: ['FOO'] },
  { input: '${BAR?bbb}', env: XY, want: '', matched: ['BAR'] },
  { input: '${BAZ?ccc}', env: XY, want: null },
  { input: '${FOO:?aaa}', env: XY, want: 'xxx', matched: ['FOO'] },
  { input: '${BAR:?bbb}', env: XY, want: null },
  { input: '${BAZ:?ccc}', env: XY, want: null },
  { input: '${BAZ:?}', env: XY, want: null },
  { input: '${FOO=aaa}', env: XY, want: null },
  { input: '${FOO=:aaa}', env: XY, want: null },
  { input: '${FOO=}', env: {}, want: null },
  { input: '${FOO#()[]{\\}^$.\\*\\?|\\\\}', env: { FOO: '()[]{}^$.*?|\\x' }, want: 'x', matched: ['FOO'] },
  { input: '${FOO%%\\**}', env: { FOO: 'xx**' }, want: 'xx', matched: ['FOO'] },
  { input: '${FOO#*x*y}', env: { FOO: 'xxyy' }, want: 'y', matched: ['FOO'] },
  { input: '${FOO#*}', env: { FOO: 'xxyy' }, want: 'xxyy', matched: ['FOO'] },
  { input: '${FOO#$BAR}', env: { FOO: 'xxyy', BAR: 'x' }, want: 'xyy', matched: ['FOO', 'BAR'] },
  { input: '${FOO#$BAR}', env: { FOO: 'xxyy', BAR: '' }, want: 'xxyy', matched: ['FOO', 'BAR'] },
  { input: '${FOO#}', env: { FOO: 'xxyy' }, want: 'xxyy', matched: ['FOO'] },
  { input: '${FOO##*x}', env: { FOO: 'xxyy' }, want: 'yy', matched: ['FOO'] },
  { input: '${FOO##}', env: { FOO: 'xxyy' }, want: 'xxyy', matched: ['FOO'] },
  { input: '${FOO#?\\?}', env: { FOO: '???y' }, want: '?y', matched: ['FOO'] },
  { input: '${ABC:-.}${FOO%x}${ABC:-.}', env: { FOO: 'xxyy' }, want: '.xxyy.', matched: ['FOO'], unmatched: ['ABC'] },
  { input: '${FOO%%\\**\\*}', env: { FOO: 'a***yy*' }, want: 'a', matched: ['FOO'] },
  { input: '${FOO%}', env: { FOO: 'xxyy' }, want: 'xxyy', matched: ['FOO'] },
  { input: '${FOO%%$BAR}', env: { FOO: 'xxyy', BAR: '' }, want: 'xxyy', matched: ['FOO', 'BAR'] },
  {
    input: '${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}',
    env: { FOO: '/foo*/*/*.txt', NEEDLE: '\\*/' },
    want: '/foo.*/*.txt - /foo..*.txt',
    matched: ['FOO', 'NEEDLE'],
  },
  {
    input: '${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}',
    env: { FOO: '/tmp/tmp/bar.txt', NEEDLE: '/tmp' },
    want: '/tmp/bar.txt - /bar.txt',
    matched: ['FOO', 'NEEDLE'],
  },
  {
    input: '${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}',
    env: { FOO: '/a/foo/b/c.txt', NEEDLE: '/?/', REPLACEMENT: '/' },
    want: '/foo/b/c.txt - /foo/c.txt',
    matched: ['FOO', 'NEEDLE', 'REPLACEMENT'],
  },
  {
    input: '${FOO/$NEEDLE/$REPLACEMENT}',
    env: { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' },
    want: 'https://google.de',
    matched: ['FOO', 'NEEDLE', 'REPLACEMENT'],
  },
  { input: '${FOO//\\//\\/}', env: { FOO: '/tmp/foo.txt' }, want: '\\/tmp\\/foo.txt', matched: ['FOO'] },
  { input: '${FOO/$BAR/ww}', env: { FOO: 'xxyy', BAR: '' }, want: 'wwxxyy', matched: ['FOO', 'BAR'] },
  { input: '${FOO//ww}', env: { FOO: 'xxyy' }, want: null },
  { input: '${FOO//}', env: { FOO: 'xxyy' }, want: null },
  { input: '${FOO///}', env: { FOO: 'xxyy' }, want: 'xxyy', matched: ['FOO'] },
  { input: '${FOO///}', env: {}, want: '', unmatched: ['FOO'] },
  // kiln's own: ordinary suffix/prefix use, unsupported forms, Go-flavoured `//`.
  { input: '${F%.*} ${F%%.*} ${F#*.} ${F##*.}', env: { F: 'file.tar.gz' }, want: 'file.tar file tar.gz gz', matched: ['F'] },
  { input: '${F#a[b]}|${G#[a]}', env: { F: 'a[b]c', G: 'ab' }, want: 'c|ab', matched: ['F', 'G'] },
  { input: '${F#*b}', env: { F: 'a\nb' }, want: 'a\nb', matched: ['F'] },
  { input: '${F#?}|${F%?}|${K#?}|${K%?}', env: { F: '👽🚀🖖', K: '한국어' }, want: '🚀🖖|👽🚀|국어|한국', matched: ['F', 'K'] },
  { input: '${F//*/z}|${F///-}', env: { F: 'abc' }, want: 'z|-a-b-c-', matched: ['F'] },
  { input: '${F//b/$T}|${F/b/$T}|${F//b/$D}', env: { F: 'abc', T: '[$0]', D: '$$' }, want: 'a[b]c|a[$0]c|a$c', matched: ['F', 'T', 'D'] },
  { input: '${A:+$B}', env: { A: '1' }, want: '', matched: ['A'], unmatched: ['B'] },
  { input: '${FOO:#x}', env: { FOO: 'xx' }, want: null },
  { input: '${FOO:%x}', env: { FOO: 'xx' }, want: null },
  { input: '${FOO:/x/y}', env: { FOO: 'xx' }, want: null },
  { input: '${FOO#\\x}', env: { FOO: 'xx' }, want: null },
  { input: '$constructor${toString}', env: {}, want: '', unmatched: ['constructor', 'toString'] },
  // Names are Unicode letters and digits; a leading digit run (positional) ends at the first non-digit.
  { input: '$한국어 $x٣ $٣x $1', env: { 한국어: 'k', 'x٣': 'd', '٣': 'three' }, want: 'k d threex ', matched: ['한국어', 'x٣', '٣'], unmatched: ['1'] },
];

const sorted = (s: Iterable<string>): string[] => [...s].sort();

for (const c of matchCases) {
  test(`process ${c.input} ${JSON.stringify(c.env)}`, () => {
    const lex = new ShellLex();
    if (c.want === null) {
      assert.throws(() => lex.process(c.input, c.env), (e: unknown) => e instanceof ShellExpansionError);
      return;
    }
    const got = lex.process(c.input, c.env);
    assert.is(got.result, c.want);
    assert.equal(sorted(got.matched), sorted(c.matched ?? []), 'matched');
    assert.equal(sorted(got.unmatched), sorted(c.unmatched ?? []), 'unmatched');
  });
}

function errorOf(input: string, env: Env = {}, opts?: ShellLexOptions): ShellExpansionError {
  try {
    new ShellLex(opts).processWord(input, env);
  } catch (err) {
    assert.instance(err, ShellExpansionError);
    return err as ShellExpansionError;
  }
  assert.unreachable(`expected ${JSON.stringify(input)} to fail`);
  throw new Error('unreachable');
}

// BuildKit's texts, and the `word` kept for the caller's "failed to process" wrapper.
const errorCases: Array<[string, Env, string]> = [
  ['${VAR:?message here$ARG}', { VAR: '', ARG: 'x' }, 'VAR: message herex'],
  ['${VAR:?message here$ARG}', { ARG: 'x' }, 'VAR: message herex'],
  ['${VAR?message here$ARG}', { ARG: 'x' }, 'VAR: message herex'],
  ['${VAR?}', {}, 'VAR: is not allowed to be unset'],
  ['${VAR:?}', { VAR: '' }, 'VAR: is not allowed to be empty'],
  ['${}', {}, 'syntax error: bad substitution'],
  ['${:-x}', {}, 'syntax error: bad substitution'],
  ['${x:-${}}', {}, 'syntax error: bad substitution'],
  ['a${', {}, "syntax error: missing '}'"],
  ['${x:-abc', {}, "syntax error: missing '}'"],
  ['${x:-"abc}', {}, "syntax error: missing '}'"],
  ['${x/abc', {}, "syntax error: missing '/' in ${}"],
  ['${x//a/b', {}, "syntax error: missing '}'"],
  ['${PWD', {}, 'unsupported modifier (\uFFFD) in substitution'],
  ['${VAR:=x}', {}, 'unsupported modifier (:=) in substitution'],
  ['${VAR:#x}', {}, 'unsupported modifier (:#) in substitution'],
  ['${.}', {}, 'unsupported modifier (.) in substitution'],
  ['${F#\\x}', { F: 'a' }, 'invalid pattern (\\x) in substitution: invalid escape \'\\x\''],
  ['"abc', {}, 'unexpected end of statement while looking for matching double-quote'],
  ["'abc", {}, 'unexpected end of statement while looking for matching single-quote'],
];

for (const [input, env, message] of errorCases) {
  test(`error ${input}`, () => {
    const err = errorOf(input, env);
    assert.is(err.message, message);
    assert.is(err.code, 'SHELL_EXPANSION');
    assert.is(err.word, input);
  });
}

test('mandatory variables pass when set', () => {
  assert.is(expandWord('${VAR:?message here$ARG}', { VAR: 'plain', ARG: 'x' }), 'plain');
  assert.is(expandWord('${VAR?message here$ARG}', { VAR: 'plain', ARG: 'x' }), 'plain');
  assert.is(expandWord('${VAR?message here$ARG}', { VAR: '', ARG: 'x' }), '');
});

test('release file name with an optional variant', () => {
  const word = 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz';
  const base = { VERSION: 'v1.2.3', TARGETOS: 'linux' };
  assert.is(expandWord(word, { ...base, TARGETARCH: 'arm', TARGETVARIANT: 'v7' }), 'something-v1.2.3.linux-arm-v7.tar.gz');
  assert.is(expandWord(word, { ...base, TARGETARCH: 'arm64', TARGETVARIANT: '' }), 'something-v1.2.3.linux-arm64.tar.gz');
  assert.is(expandWord(word, { ...base, TARGETARCH: 'arm64' }), 'something-v1.2.3.linux-arm64.tar.gz');
});

test('pattern conversion rejects bad escapes', () => {
  for (const bad of ['\\', '\\x', '\\\\\\']) {
    assert.throws(() => patternToRegexSource(bad, true, true), (e: unknown) => e instanceof PatternError, bad);
  }
});

test('reversed patterns keep escape pairs', () => {
  const cases: Array<[string, string]> = [
    ['a\\*c', 'c\\*a'],
    ['\\\\\\ab', 'b\\a\\\\'],
    ['ab\\', '\\ba'],
    ['👽\\🚀🖖', '🖖\\🚀👽'],
    ['\\\\b', 'b\\\\'],
  ];
  for (const [input, want] of cases) assert.is(reversePattern(input), want);
});

// Raw modes, as the Dockerfile parser uses them to find heredocs.
const heredocLex = new ShellLex({ rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
const unquotedLex = new ShellLex({ rawEscapes: true, skipUnsetEnv: true });

test('raw modes keep quotes, escapes and unset references', () => {
  assert.equal(heredocLex.processWords('cat <<EOF >$OUT', {}), ['cat', '<<EOF', '>$OUT']);
  assert.equal(heredocLex.processWords(`cat <<"EOF" <<'E O' <<E\\OF`, {}), ['cat', '<<"EOF"', "<<'E O'", '<<E\\OF']);
  assert.equal(unquotedLex.processWords(`<<"EOF" <<'E O'`, {}), ['<<EOF', '<<E O']);
  assert.is(heredocLex.processWord('a\\ b\\$X "a\\tb" "a\\"b"', { X: '1' }), 'a\\ b\\$X "a\\\\tb" "a\\"b"');
  assert.is(heredocLex.processWord('trail\\', {}), 'trail\\');
});

test('skipUnsetEnv echoes unset references and expands set ones', () => {
  const lex = new ShellLex({ skipUnsetEnv: true });
  const word = '$A ${B} ${C:-x} ${D#p} ${E/a/b} ${F//a/b} ${G:=x} $SET ${SET:-no}';
  // BuildKit echoes `//` with a single slash.
  assert.is(lex.processWord(word, { SET: '1' }), '$A ${B} ${C:-x} ${D#p} ${E/a/b} ${F/a/b} ${G:=x} 1 1');
});

test('skipProcessQuotes treats quotes as text', () => {
  const lex = new ShellLex({ skipProcessQuotes: true });
  assert.equal(lex.processWords(`'$X' "a b"`, { X: '1' }), ["'1'", '"a', 'b"']);
});

test('backtick escape token', () => {
  const lex = new ShellLex({ escapeToken: '`' });
  assert.is(lex.processWord('a`$X b', { X: '1' }), 'a$X b');
  assert.is(lex.processWord('C:\\path\\$X', { X: '1' }), 'C:\\path\\1');
  assert.is(lex.processWord('"a`"b" "a`tb" "a\\tb"', {}), 'a"b a`tb a\\tb');
  assert.equal(lex.processWords('a` b c``', {}), ['a b', 'c`']);
  // Patterns know only `\` as their escape, whatever the escape token.
  assert.is(lex.processWord('${X#\\*}', { X: '*ab' }), 'ab');
  assert.is(errorOf('${X#a\\}', { X: 'a' }, { escapeToken: '`' }).message, "invalid pattern (a\\) in substitution: invalid escape '\\\uFFFD'");
});

test('word splitting', () => {
  const lex = new ShellLex();
  const env = { S: ' a  b ', E: '' };
  assert.equal(lex.processWords(`x${'$'}S"y"`, env), ['x', 'a', 'b', 'y']);
  assert.equal(lex.processWords('x"$S"y', env), ['x a  b y']);
  assert.equal(lex.processWords(`"" '' $E ${'$'}{E}`, env), []);
  assert.equal(lex.processWords('${U:-a b} "${U:-a b}"', env), ['a', 'b', 'a b']);
  assert.equal(lex.processWords('a\u00a0b\u3000c\ufeffd', env), ['a', 'b', 'c\ufeffd']);
});

test('a nested ${...} drops the word collected before it, as BuildKit does', () => {
  const lex = new ShellLex();
  assert.is(lex.processWord('ab${X:-y}cd', {}), 'abycd');
  assert.equal(lex.processWords('ab${X:-y}cd', {}), ['ycd']);
  assert.equal(lex.processWords('z ab${X/a/b}cd', { X: 'a' }), ['z', 'bcd']);
  assert.equal(lex.process('ab${X}cd ${Y:-1}', {}).words, ['abcd', '1']);
});

test('environment shapes', () => {
  const lex = new ShellLex();
  assert.is(lex.processWord('$A-$B', new Map([['A', '1']])), '1-');
  assert.is(lex.processWord('$A-$B', (n) => (n === 'B' ? '2' : undefined)), '-2');
  assert.is(lex.processWord('\ufeff$A', { A: 'bom' }), 'bom');
});

test.run();
