// .dockerignore parsing and moby/patternmatcher semantics. The tables are
// moby/patternmatcher's own test expectations (patternmatcher_test.go and
// ignorefile_test.go), ported as data; the last suites apply ignore files to
// real context trees as BuildKit's context transfer would.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../util/errors.js';
import { ignoreMatcher, parseDockerignore, readDockerignore } from './dockerignore.js';
import { PatternMatcher } from './patternmatcher.js';
import { SourceTree } from './tree.js';

const F = 'fail';
const E = 'exact';
const I = 'inexact';
type Pass = typeof F | typeof E | typeof I;

/** patternmatcher_test.go TestMatches `tests` (Linux rows). */
const MATCHES: readonly (readonly [string, string, Pass])[] = [
  ['**', 'file', E], ['**', 'file/', E], ['**/', 'file', E], ['**/', 'file/', E], ['**', '/', E], ['**/', '/', E],
  ['**', 'dir/file', E], ['**/', 'dir/file', E], ['**', 'dir/file/', E], ['**/', 'dir/file/', E], ['**/**', 'dir/file', E],
  ['**/**', 'dir/file/', E], ['dir/**', 'dir/file', E], ['dir/**', 'dir/file/', E], ['dir/**', 'dir/dir2/file', E],
  ['dir/**', 'dir/dir2/file/', E], ['**/dir', 'dir', E], ['**/dir', 'dir/file', I], ['**/dir2/*', 'dir/dir2/file', E],
  ['**/dir2/*', 'dir/dir2/file/', I], ['**/dir2/**', 'dir/dir2/dir3/file', E], ['**/dir2/**', 'dir/dir2/dir3/file/', E],
  ['**file', 'file', E], ['**file', 'dir/file', E], ['**/file', 'dir/file', E], ['**file', 'dir/dir/file', E],
  ['**/file', 'dir/dir/file', E], ['**/file*', 'dir/dir/file', E], ['**/file*', 'dir/dir/file.txt', E],
  ['**/file*txt', 'dir/dir/file.txt', E], ['**/file*.txt', 'dir/dir/file.txt', E], ['**/file*.txt*', 'dir/dir/file.txt', E],
  ['**/**/*.txt', 'dir/dir/file.txt', E], ['**/**/*.txt2', 'dir/dir/file.txt', F], ['**/*.txt', 'file.txt', E],
  ['**/**/*.txt', 'file.txt', E], ['a**/*.txt', 'a/file.txt', E], ['a**/*.txt', 'a/dir/file.txt', E],
  ['a**/*.txt', 'a/dir/dir/file.txt', E], ['a/*.txt', 'a/dir/file.txt', F], ['a/*.txt', 'a/file.txt', E],
  ['a/*.txt**', 'a/file.txt', E], ['a[b-d]e', 'ae', F], ['a[b-d]e', 'ace', E], ['a[b-d]e', 'aae', F], ['a[^b-d]e', 'aze', E],
  ['.*', '.foo', E], ['.*', 'foo', F], ['abc.def', 'abcdef', F], ['abc.def', 'abc.def', E], ['abc.def', 'abcZdef', F],
  ['abc?def', 'abcZdef', E], ['abc?def', 'abcdef', F], ['**/foo/bar', 'foo/bar', E], ['**/foo/bar', 'dir/foo/bar', E],
  ['**/foo/bar', 'dir/dir2/foo/bar', E], ['abc/**', 'abc', F], ['abc/**', 'abc/def', E], ['abc/**', 'abc/def/ghi', E],
  ['**/.foo', '.foo', E], ['**/.foo', 'bar.foo', F], ['a(b)c/def', 'a(b)c/def', E], ['a(b)c/def', 'a(b)c/xyz', F],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', E],
  ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', E],
  ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', E],
  ['a\\\\', 'a\\', E], ['a\\*b', 'a*b', E],
];

/** patternmatcher_test.go TestMatches `multiPatternTests`. */
const MULTI: readonly (readonly [readonly string[], string, Pass])[] = [
  [['**', '!util/docker/web'], 'util/docker/web/foo', F],
  [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', E],
  [['**', '!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', F],
  [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', F],
];

/** patternmatcher_test.go `matchTests` (Go's filepath.Match table): [pattern, name, match, bad pattern]. */
const GLOB: readonly (readonly [string, string, boolean, boolean])[] = [
  ['abc', 'abc', true, false], ['*', 'abc', true, false], ['*c', 'abc', true, false], ['a*', 'a', true, false],
  ['a*', 'abc', true, false], ['a*', 'ab/c', true, false], ['a*/b', 'abc/b', true, false], ['a*/b', 'a/c/b', false, false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/f', true, false], ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true, false],
  ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false, false], ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false, false],
  ['a*b?c*x', 'abxbbxdbxebxczzx', true, false], ['a*b?c*x', 'abxbbxdbxebxczzy', false, false], ['ab[c]', 'abc', true, false],
  ['ab[b-d]', 'abc', true, false], ['ab[e-g]', 'abc', false, false], ['ab[^c]', 'abc', false, false], ['ab[^b-d]', 'abc', false, false],
  ['ab[^e-g]', 'abc', true, false], ['a\\*b', 'a*b', true, false], ['a\\*b', 'ab', false, false], ['a?b', 'a☺b', true, false],
  ['a[^a]b', 'a☺b', true, false], ['a???b', 'a☺b', false, false], ['a[^a][^a][^a]b', 'a☺b', false, false], ['[a-ζ]*', 'α', true, false],
  ['*[a-ζ]', 'A', false, false], ['a?b', 'a/b', false, false], ['a*b', 'a/b', false, false], ['[\\]a]', ']', true, false],
  ['[\\-]', '-', true, false], ['[x\\-]', 'x', true, false], ['[x\\-]', '-', true, false], ['[x\\-]', 'z', false, false],
  ['[\\-x]', 'x', true, false], ['[\\-x]', '-', true, false], ['[\\-x]', 'a', false, false], ['[]a]', ']', false, true],
  ['[-]', '-', false, true], ['[x-]', 'x', false, true], ['[x-]', '-', false, true], ['[x-]', 'z', false, true], ['[-x]', 'x', false, true],
  ['[-x]', '-', false, true], ['[-x]', 'a', false, true], ['\\', 'a', false, true], ['[a-b-c]', 'a', false, true], ['[', 'a', false, true],
  ['[^', 'a', false, true], ['[^bc', 'a', false, true], ['a[', 'a', false, true], ['a[', 'ab', false, true], ['*x', 'xxx', true, false],
];

/** patternmatcher_test.go `compileTests`: pattern, match kind, Go regexp. */
const COMPILE: readonly (readonly [string, string, string])[] = [
  ['*', 'regexp', '^[^/]*$'], ['file*', 'regexp', '^file[^/]*$'], ['*file', 'regexp', '^[^/]*file$'], ['a*/b', 'regexp', '^a[^/]*/b$'],
  ['**', 'suffix', ''], ['**/**', 'regexp', '^(.*/)?.*$'], ['dir/**', 'prefix', ''], ['**/dir', 'suffix', ''],
  ['**/dir2/*', 'regexp', '^(.*/)?dir2/[^/]*$'], ['**/dir2/**', 'regexp', '^(.*/)?dir2/.*$'], ['**file', 'suffix', ''],
  ['**/file*txt', 'regexp', '^(.*/)?file[^/]*txt$'], ['**/**/*.txt', 'regexp', '^(.*/)?(.*/)?[^/]*\\.txt$'], ['a[b-d]e', 'regexp', '^a[b-d]e$'],
  ['.*', 'regexp', '^\\.[^/]*$'], ['abc.def', 'exact', ''], ['abc?def', 'regexp', '^abc[^/]def$'], ['**/foo/bar', 'suffix', ''],
  ['a(b)c/def', 'exact', ''], ['a.|)$(}+{bc', 'exact', ''], ['dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', 'exact', ''],
];

/** The test's walk: each parent directory is matched first and its results handed down. */
function matchWalking(pm: PatternMatcher, text: string): boolean {
  const dirs = text.split('/').slice(0, -1);
  let info: readonly boolean[] | undefined;
  for (let i = 1; i <= dirs.length && dirs.join('/') !== ''; i++) {
    info = pm.matchesUsingParentResults(dirs.slice(0, i).join('/'), info).info;
  }
  return pm.matchesUsingParentResults(text, info).matched;
}

const table = suite('patternmatcher tables');

table('TestMatches: MatchesExact is true only for exact rows', () => {
  for (const [pattern, text, pass] of MATCHES) {
    assert.is(new PatternMatcher([pattern]).matchesExact(text), pass === E, `${pattern} ~ ${text}`);
  }
});

table('TestMatches: MatchesOrParentMatches, parent results and no-context agree with every row', () => {
  for (const [pattern, text, pass] of MATCHES) {
    const pm = new PatternMatcher([pattern]);
    assert.is(pm.matchesOrParentMatches(text), pass !== F, `parents ${pattern} ~ ${text}`);
    assert.is(matchWalking(pm, text), pass !== F, `walking ${pattern} ~ ${text}`);
    assert.is(pm.matchesUsingParentResults(text, undefined).matched, pass !== F, `no context ${pattern} ~ ${text}`);
  }
  for (const [patterns, text, pass] of MULTI) {
    const pm = new PatternMatcher(patterns);
    assert.is(pm.matchesOrParentMatches(text), pass !== F, `${patterns.join(',')} ~ ${text}`);
    assert.is(matchWalking(pm, text), pass !== F, `walking ${patterns.join(',')} ~ ${text}`);
  }
});

table('TestMatch: filepath.Match semantics and bad patterns through Matches', () => {
  for (const [pattern, name, match, bad] of GLOB) {
    if (bad) {
      assert.throws(() => new PatternMatcher([pattern]), (e: unknown) => e instanceof InvalidArgumentError, pattern);
      continue;
    }
    assert.is(new PatternMatcher([pattern]).matchesOrParentMatches(name), match, `${pattern} ~ ${name}`);
  }
});

table('TestCompile: match kinds and the regular expressions upstream builds', () => {
  for (const [pattern, kind, re] of COMPILE) {
    const [p] = new PatternMatcher([pattern]).patterns;
    assert.is(p?.compiled.kind, kind, pattern);
    if (kind === 'regexp') assert.is(p?.compiled.goSource, re, pattern);
  }
});

table('simple cases: wildcard, exception order, folder exceptions, "."', () => {
  const m = (file: string, patterns: string[]): boolean => file !== '.' && new PatternMatcher(patterns).matchesOrParentMatches(file);
  assert.ok(m('fileutils.go', ['*']));
  assert.ok(m('fileutils.go', ['*.go']));
  assert.ok(m('fileutils.go', ['!fileutils.go', '*.go']));
  assert.not.ok(m('docs/README.md', ['docs', '!docs/README.md']));
  assert.not.ok(m('docs/README.md', ['docs/', '!docs/README.md']));
  assert.not.ok(m('docs/README.md', ['docs/*', '!docs/README.md']));
  assert.not.ok(m('fileutils.go', ['*.go', '!fileutils.go']));
  assert.not.ok(m('.', ['*.go']));
  assert.not.ok(m('/any/path/there', []));
});

table('pattern list cleaning: empties dropped, spaces trimmed, "!" alone and "[" refused', () => {
  assert.is(new PatternMatcher(['docs', 'config', '']).patterns.length, 2);
  assert.ok(new PatternMatcher(['docs', '  !docs/README.md']).exclusions);
  assert.ok(new PatternMatcher(['docs', '!docs/README.md  ']).exclusions);
  assert.throws(() => new PatternMatcher(['!']), /illegal exclusion pattern/);
  assert.throws(() => new PatternMatcher(['[']), /syntax error in pattern/);
});

table('a malformed pattern that passes validation fails at every match, never crashes', () => {
  const pm = new PatternMatcher(['[Local-Only]/']);
  assert.throws(() => pm.matchesOrParentMatches('x'), /syntax error in pattern/);
  assert.throws(() => pm.matchesOrParentMatches('x'), /syntax error in pattern/);
});

const file = suite('ignore file parsing');

file('ignorefile_test.go ReadAll: comments, blank lines, leading "/" and "! " stripped', () => {
  const content = 'test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ';
  assert.equal(parseDockerignore(content), ['test1', 'test2', 'a/file/here', 'lastfile', '!inverted/abs/path', '!', '!']);
});

file('BOM, CRLF, trailing spaces, ".." cleaned, a "#" after spaces is a pattern', () => {
  const content = '\uFEFFnode_modules  \r\n/foo/../bar\r\n  #not-a-comment\n./x/./y/\n/\n';
  assert.equal(parseDockerignore(content), ['node_modules', 'bar', '#not-a-comment', 'x/y', '/']);
});

let tmp = '';
const ctx = suite('ignore files applied to a context tree');
ctx.before.each(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiln-test-'));
});
ctx.after.each(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function files(root: string, paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    await mkdir(join(root, p, '..'), { recursive: true });
    if (!p.endsWith('/')) await writeFile(join(root, p), p);
  }
}

/** Every path in the tree, as the context transfer would send it. */
function listAll(tree: SourceTree, dir = ''): string[] {
  const out: string[] = [];
  for (const name of tree.children(dir)) {
    const rel = dir === '' ? name : `${dir}/${name}`;
    out.push(rel);
    if (tree.entry(rel)?.kind === 'dir') out.push(...listAll(tree, rel));
  }
  return out;
}

ctx('a directory pattern drops the subtree; an exception re-includes a child and keeps its parents', async () => {
  await files(tmp, ['docs/README.md', 'docs/api/x.md', 'src/a.go', 'src/a_test.go', 'Dockerfile', '.dockerignore']);
  await writeFile(join(tmp, '.dockerignore'), 'docs\n!docs/README.md\n**/*_test.go\n.dockerignore\n');
  const tree = new SourceTree(tmp, { ignore: ignoreMatcher(await readDockerignore(tmp)) });
  assert.equal(listAll(tree), ['Dockerfile', 'docs', 'docs/README.md', 'src', 'src/a.go']);
});

ctx('exceptions with wildcards walk excluded directories; an emptied directory disappears', async () => {
  await files(tmp, ['a/keep.txt', 'a/drop.bin', 'b/drop.bin', 'c.txt']);
  const tree = new SourceTree(tmp, { ignore: new PatternMatcher(['*', '!**/*.txt']) });
  assert.equal(listAll(tree), ['a', 'a/keep.txt', 'c.txt']);
});

ctx('last match wins: a later pattern re-excludes what an exception let in', async () => {
  await files(tmp, ['logs/a.log', 'logs/keep.log', 'x']);
  const tree = new SourceTree(tmp, { ignore: new PatternMatcher(['logs', '!logs/*.log', 'logs/a.log']) });
  assert.equal(listAll(tree), ['logs', 'logs/keep.log', 'x']);
});

ctx('<Dockerfile>.dockerignore beside the Dockerfile replaces the context .dockerignore', async () => {
  await files(tmp, ['build/app.Dockerfile', 'secret', 'other']);
  await writeFile(join(tmp, '.dockerignore'), 'other\n');
  await writeFile(join(tmp, 'build/app.Dockerfile.dockerignore'), '/secret\n');
  const specific = await readDockerignore(tmp, join(tmp, 'build/app.Dockerfile'));
  assert.is(specific.path, join(tmp, 'build/app.Dockerfile.dockerignore'));
  assert.equal(specific.patterns, ['secret']);
  assert.equal((await readDockerignore(tmp, join(tmp, 'Dockerfile'))).patterns, ['other']);
  assert.equal((await readDockerignore(join(tmp, 'build'))).patterns, []);
});

ctx('ignored paths are never listed through a symlink either; a malformed file names itself', async () => {
  await files(tmp, ['secret/key', 'pub']);
  await symlink('secret', join(tmp, 'link'));
  const tree = new SourceTree(tmp, { ignore: new PatternMatcher(['secret']) });
  assert.throws(() => tree.resolve('link/key'), /not found/);
  await writeFile(join(tmp, '.dockerignore'), 'a[\n');
  assert.throws(() => ignoreMatcher({ path: join(tmp, '.dockerignore'), patterns: ['a['] }), /\.dockerignore: syntax error/);
});

table.run();
file.run();
ctx.run();
