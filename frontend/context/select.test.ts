// Docker's COPY/ADD source rules: wildcards, directory contents, --parents,
// --exclude, missing sources, and sources that try to leave the context.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NotFoundError } from '../../util/errors.js';
import { rejects } from '../../util/test-assert.js';
import { ContextHasher } from './hash.js';
import { PatternMatcher } from './patternmatcher.js';
import { selectSources, type SelectRequest } from './select.js';
import { settle, tempDir, writeTree, xxh } from './test-support.js';

let ctx = '';
let cleanup = async (): Promise<void> => {};

const test = suite('selectSources');
test.before.each(async () => {
  const t = await tempDir();
  ctx = t.dir;
  cleanup = t.cleanup;
  await writeTree(ctx, {
    'a.txt': 'a',
    'b.txt': 'b',
    'c.md': 'c',
    'home.txt': 'h',
    'homer.md': 'h',
    'dir/x.txt': 'x',
    'dir/y.bin': 'y',
    'dir/sub/z.txt': 'z',
    'x/y/a.txt': 'xa',
    'x/y/b.txt': 'xb',
    'src/a.txt': 'sa',
    'src/x/b.txt': 'sb',
    'src/x/y/c.txt': 'sc',
    'etc/passwd': 'context passwd',
    'ignored.txt': 'ignored',
  });
  await symlink('/etc', join(ctx, 'esc'));
  await symlink('../../../../../../..', join(ctx, 'up'));
  await symlink('dir', join(ctx, 'dirlink'));
  await settle(ctx);
});
test.after.each(() => cleanup());

async function select(req: SelectRequest) {
  const hasher = await ContextHasher.open({ root: ctx, xxhash: await xxh(), resetOwner: true, ignore: new PatternMatcher(['ignored.txt']) });
  return selectSources(hasher, req);
}

function summary(sel: Awaited<ReturnType<typeof select>>): string[] {
  return sel.items.map((i) => `${i.rel}:${i.kind}:${i.destRel}`);
}

test('a file keeps its name; a directory copies its contents; the root is a directory', async () => {
  assert.equal(summary(await select({ sources: ['a.txt', 'dir', './'] })), ['a.txt:file:a.txt', 'dir:dir:', ':dir:']);
});

test('wildcards match per segment with filepath.Match rules, in name order', async () => {
  assert.equal(summary(await select({ sources: ['*.txt'] })), ['a.txt:file:a.txt', 'b.txt:file:b.txt', 'home.txt:file:home.txt']);
  assert.equal(summary(await select({ sources: ['d?r/*.txt'] })), ['dir/x.txt:file:x.txt']);
  assert.equal(summary(await select({ sources: ['[ab].*'] })), ['a.txt:file:a.txt', 'b.txt:file:b.txt']);
  assert.equal(summary(await select({ sources: ['di*'] })), ['dir:dir:', 'dir:dir:'], 'a matched symlink is followed inside the context');
});

test('a missing plain source is BuildKit\'s not-found error naming it', async () => {
  const err = await rejects(select({ sources: ['a.txt', 'nope'] }), /failed to compute cache key: .*"\/nope": not found/);
  assert.ok(err instanceof NotFoundError);
  await rejects(select({ sources: ['ignored.txt'] }), /"\/ignored.txt": not found/);
  await rejects(select({ sources: ['a.txt/x'] }), /"\/a.txt\/x": not found/); // a file is not a directory
});

test('a wildcard matching nothing, or a source --exclude empties, selects nothing and is no error', async () => {
  const none = await select({ sources: ['nomatch*'] });
  assert.equal(summary(none), []);
  assert.equal(summary(await select({ sources: ['a.txt', '*.none', 'missing/*.txt', 'a.txt/*'] })), ['a.txt:file:a.txt']);
  assert.equal(summary(await select({ sources: ['di*'], exclude: ['*'] })), [], 'every match excluded');
  assert.equal(summary(await select({ sources: ['ignored*'] })), [], '.dockerignore hides the only match');
  assert.is.not(none.checksum, (await select({ sources: ['a.txt'] })).checksum);
});

test('../x is confined to the context root: it names the context\'s own x', async () => {
  assert.equal(summary(await select({ sources: ['../a.txt', '../../../../dir/x.txt', '/b.txt'] })), ['a.txt:file:a.txt', 'dir/x.txt:file:x.txt', 'b.txt:file:b.txt']);
  assert.equal(summary(await select({ sources: ['../../etc/passwd'] })), ['etc/passwd:file:passwd'], 'the context\'s etc/passwd, not the host\'s');
});

test('symlinks in a source path resolve inside the context, never to the host', async () => {
  assert.equal(summary(await select({ sources: ['esc/passwd'] })), ['etc/passwd:file:passwd']);
  assert.equal(summary(await select({ sources: ['up/etc/passwd'] })), ['etc/passwd:file:passwd']);
  assert.equal(summary(await select({ sources: ['dirlink/x.txt'] })), ['dir/x.txt:file:x.txt']);
  await rejects(select({ sources: ['esc/shadow'] }), /"\/esc\/shadow": not found/);
});

test('--parents keeps the path, after a /./ pivot if any; ** spans directories', async () => {
  assert.equal(summary(await select({ sources: ['./x/./y/*.txt'], parents: true })), ['x/y/a.txt:file:y/a.txt', 'x/y/b.txt:file:y/b.txt']);
  assert.equal(summary(await select({ sources: ['./src/**/*.txt'], parents: true })), [
    'src/a.txt:file:src/a.txt',
    'src/x/b.txt:file:src/x/b.txt',
    'src/x/y/c.txt:file:src/x/y/c.txt',
  ]);
  assert.equal(summary(await select({ sources: ['dir/sub'], parents: true })), ['dir/sub:dir:dir/sub']);
  assert.equal(summary(await select({ sources: ['/src/x/.'], parents: true })), ['src/x:dir:src/x'], 'a trailing /. is no pivot');
  assert.equal(summary(await select({ sources: ['src/./x/./y'], parents: true })), ['src/x/y:dir:x/y'], 'the first /./ is the pivot');
});

test('--parents: wildcards before the pivot pick the directories the pattern is taken from', async () => {
  await writeTree(ctx, { 'p/b/c/d/e/bay': '1', 'p/b/c/d/foo': '2', 'p/b2/c/d/e/bar': '3', 'p/b/c2/d/e/baz': '4', 'p/b/c2/d/e2/baz': '5' });
  await settle(ctx);
  const parents = async (...sources: string[]) => summary(await select({ sources, parents: true }));
  assert.equal(await parents('p/b*/./c/**/e'), ['p/b/c/d/e:dir:c/d/e', 'p/b2/c/d/e:dir:c/d/e']);
  assert.equal(await parents('p/b/c*/./d/**/baz', 'p/b*/./c/**/bar'), ['p/b/c2/d/e/baz:file:d/e/baz', 'p/b/c2/d/e2/baz:file:d/e2/baz', 'p/b2/c/d/e/bar:file:c/d/e/bar']);
  assert.equal(await parents('p/./*/c'), ['p/b/c:dir:b/c', 'p/b2/c:dir:b2/c']);
});

test('--parents: a path must exist only when no part has a wildcard; a directory base makes the destination', async () => {
  await rejects(select({ sources: ['/src/nonexistent-file'], parents: true }), /"\/src\/nonexistent-file": not found/);
  await rejects(select({ sources: ['/src/./nonexistent-file'], parents: true }), /"\/src\/nonexistent-file": not found/);
  const none = await select({ sources: ['/src/nope*/c'], parents: true });
  assert.equal(summary(none), []);
  assert.ok(none.makesDest, 'the tree root was the base: the destination is still made');
  const after = await select({ sources: ['/src/./q*'], parents: true });
  assert.equal(summary(after), []);
  assert.ok(after.makesDest);
  assert.not.ok((await select({ sources: ['nomatch*'] })).makesDest, 'a plain empty wildcard makes nothing');
});

test('--exclude drops wildcard matches and paths below directory sources', async () => {
  assert.equal(summary(await select({ sources: ['hom*'], exclude: ['*.txt'] })), ['homer.md:file:homer.md']);
  const all = await select({ sources: ['dir'] });
  const some = await select({ sources: ['dir'], exclude: ['*.txt', 'sub'] });
  assert.is.not(some.checksum, all.checksum);
  assert.ok(some.exclude?.matchesOrParentMatches('sub/z.txt'));
});

test('the checksum depends on the selection only', async () => {
  const one = await select({ sources: ['a.txt'] });
  assert.is((await select({ sources: ['a.txt'] })).checksum, one.checksum);
  assert.is.not((await select({ sources: ['b.txt'] })).checksum, one.checksum);
  assert.match(one.checksum, /^sha256:[0-9a-f]{64}$/);
  await mkdir(join(ctx, 'unrelated'));
  assert.is((await select({ sources: ['a.txt'] })).checksum, one.checksum);
});

test.run();
