// Context checksums: what changes a selection's checksum and what does not,
// and the persisted stat cache that lets a no-op rebuild read nothing.
import { chmod, chown, readdir, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ContextHasher, type ChecksumSource } from './hash.js';
import { PatternMatcher } from './patternmatcher.js';
import { settle, tempDir, writeTree, xxh } from './test-support.js';

let ctx = '';
let cache = '';
let cleanups: (() => Promise<void>)[] = [];

const test = suite('ContextHasher');
test.before.each(async () => {
  const a = await tempDir();
  const b = await tempDir();
  ctx = a.dir;
  cache = b.dir;
  cleanups = [a.cleanup, b.cleanup];
  await writeTree(ctx, { 'a.txt': 'alpha\n', 'b.txt': 'bravo\n', 'dir/c.txt': 'charlie\n', 'dir/sub/d.txt': 'delta\n' });
  await symlink('a.txt', join(ctx, 'link'));
  await settle(ctx);
});
test.after.each(async () => {
  for (const c of cleanups) await c();
});

async function open(options: { resetOwner?: boolean; ignore?: PatternMatcher } = {}): Promise<ContextHasher> {
  return ContextHasher.open({ root: ctx, xxhash: await xxh(), cacheDir: cache, resetOwner: options.resetOwner ?? true, ignore: options.ignore });
}

async function sum(sources: readonly ChecksumSource[], options?: { resetOwner?: boolean }): Promise<string> {
  const h = await open(options);
  const digest = await h.checksum(sources);
  await h.save();
  return digest;
}

const ALL = [{ rel: '' }];
const A = [{ rel: 'a.txt' }];

test('a cold hash reads each file once; a no-op rehash in a new hasher reads no file contents', async () => {
  const first = await open();
  const d1 = await first.checksum(ALL);
  assert.is(first.counters.filesRead, 4);
  assert.is(first.counters.bytesRead, 'alpha\nbravo\ncharlie\ndelta\n'.length);
  assert.is(await first.checksum(ALL), d1, 'a second checksum in the same hasher is the same');
  assert.is(first.counters.filesRead, 4, 'and reads nothing more');
  await first.save();
  assert.equal((await readdir(cache)).length, 1, 'one cache file per context');
  const second = await open();
  assert.is(await second.checksum(ALL), d1);
  assert.equal(second.counters, { filesRead: 0, bytesRead: 0 });
});

test('touching a file re-reads it but keeps the checksum (mtime is not part of it)', async () => {
  const before = await sum(ALL);
  await utimes(join(ctx, 'a.txt'), 1_700_000_000, 1_700_000_000);
  await settle(ctx);
  const h = await open();
  assert.is(await h.checksum(ALL), before);
  assert.is(h.counters.filesRead, 1);
});

test('changing a file a selection does not include keeps that selection\'s checksum', async () => {
  const before = await sum(A);
  await writeFile(join(ctx, 'b.txt'), 'changed, and longer\n');
  await writeFile(join(ctx, 'dir/new.txt'), 'new\n');
  await settle(ctx);
  const h = await open();
  assert.is(await h.checksum(A), before);
  assert.is(h.counters.filesRead, 0, 'unselected files are not even read');
});

test('changing a selected file changes the checksum, even with size and mtime kept', async () => {
  const before = await sum(ALL);
  await writeFile(join(ctx, 'dir/sub/d.txt'), 'DELTA\n');
  await utimes(join(ctx, 'dir/sub/d.txt'), 1_600_000_000, 1_600_000_000);
  await settle(ctx);
  const after = await sum(ALL);
  assert.is.not(after, before);
  await writeFile(join(ctx, 'dir/sub/d.txt'), 'delta\n');
  await settle(ctx);
  assert.is(await sum(ALL), before, 'restoring the content restores the checksum');
});

test('mode, owner and symlink target changes count; owners reset to 0:0 for the context', async () => {
  const base = await sum(ALL);
  await chmod(join(ctx, 'a.txt'), 0o755);
  const moded = await sum(ALL);
  assert.is.not(moded, base);
  const preserving = await sum(ALL, { resetOwner: false });
  await chown(join(ctx, 'dir/c.txt'), 1234, 4321);
  assert.is.not(await sum(ALL, { resetOwner: false }), preserving, 'a stage source keeps owners, so they count');
  assert.is(await sum(ALL), moded, 'the build context is 0:0 whatever the host owner');
  await unlink(join(ctx, 'link'));
  await symlink('b.txt', join(ctx, 'link'));
  assert.is.not(await sum(ALL), moded);
});

test('selections differ by what they select; exclusions and ignored files are left out', async () => {
  assert.is.not(await sum(A), await sum([{ rel: 'b.txt' }]));
  assert.is.not(await sum([{ rel: 'dir' }]), await sum([{ rel: '' }]));
  const excluded = await sum([{ rel: 'dir', exclude: new PatternMatcher(['sub']) }]);
  await writeFile(join(ctx, 'dir/sub/d.txt'), 'changed\n');
  await settle(ctx);
  assert.is(await sum([{ rel: 'dir', exclude: new PatternMatcher(['sub']) }]), excluded);
  const h = await open({ ignore: new PatternMatcher(['dir/sub']) });
  const ignored = await h.checksum([{ rel: 'dir' }]);
  await writeFile(join(ctx, 'dir/sub/d.txt'), 'changed again\n');
  await settle(ctx);
  const h2 = await open({ ignore: new PatternMatcher(['dir/sub']) });
  assert.is(await h2.checksum([{ rel: 'dir' }]), ignored);
});

test('a damaged cache file is ignored, and deleted files leave the cache', async () => {
  await sum(ALL);
  const [name = ''] = await readdir(cache);
  await writeFile(join(cache, name), '{not json');
  const h = await open();
  const d = await h.checksum(ALL);
  assert.is(h.counters.filesRead, 4);
  await h.save();
  await unlink(join(ctx, 'b.txt'));
  const h2 = await open();
  assert.is.not(await h2.checksum(ALL), d);
  await h2.save();
  const text = await import('node:fs/promises').then((fs) => fs.readFile(join(cache, name), 'utf8'));
  assert.not.ok(text.includes('"b.txt"'), 'the deleted file was pruned');
});

test('a file changed within the racy window is not persisted, so the next run re-reads it', async () => {
  await writeFile(join(ctx, 'a.txt'), 'fresh\n');
  const h = await open();
  await h.checksum(A);
  await h.save();
  const h2 = await open();
  await h2.checksum(A);
  assert.is(h2.counters.filesRead, 1);
});

test.run();
