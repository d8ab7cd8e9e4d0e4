// Diff a tree with every kind of entry, apply the tar into an empty dir, and
// compare the trees; GNU tar must read what we write.
import { lstat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../util/errors.js';
import { applyLayer, createDiffStream } from './index.js';
import { collect, isRoot, makeFixture, removeDir, run, snapshotTree, tarNames, tempDir } from './test-support.js';

const t = suite('layer round trip');
const dirs: string[] = [];
let src = '';
let tar: Buffer = Buffer.alloc(0);

t.before(async () => {
  src = await tempDir();
  dirs.push(src);
  await makeFixture(src);
  tar = await collect(createDiffStream(src).stream);
});

t.after(async () => {
  for (const d of dirs) await removeDir(d);
});

async function fresh(): Promise<string> {
  const d = await tempDir();
  dirs.push(d);
  return d;
}

t('diff then apply into an empty dir reproduces the tree', async () => {
  const dst = await fresh();
  const result = await applyLayer(Readable.from([tar]), dst);
  assert.equal(await snapshotTree(dst), await snapshotTree(src));
  assert.is(result.size, tar.length);
});

t('the diffID from diff equals the one apply computes over the same bytes', async () => {
  const d = createDiffStream(src);
  const dst = await fresh();
  const applied = await applyLayer(d.stream, dst);
  const made = await d.done;
  assert.is(applied.diffID, made.diffID);
  assert.is(applied.size, made.size);
  assert.match(made.diffID, /^sha256:[0-9a-f]{64}$/);
});

t('entries are sorted, parents first, and directories end with a slash', async () => {
  const names = await tarNames(tar);
  const seen = new Set<string>();
  const lastInDir = new Map<string, string>();
  for (const n of names) {
    const path = n.replace(/\/$/, '');
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    assert.ok(dir === '' || seen.has(dir), `${n} comes before its parent`);
    const prev = lastInDir.get(dir);
    assert.ok(prev === undefined || Buffer.compare(Buffer.from(prev), Buffer.from(path)) < 0, `${n} is out of order after ${prev}`);
    lastInDir.set(dir, path);
    seen.add(path);
  }
  assert.ok(names.includes('etc/deep/er/'));
  assert.ok(names.includes('etc/deep/er/conf'));
});

t('hardlinks stay hardlinks: the first path is the file, later ones link to it', async () => {
  const dst = await fresh();
  await applyLayer(Readable.from([tar]), dst);
  const a = await lstat(join(dst, 'bin/su'));
  const b = await lstat(join(dst, 'bin/su-link'));
  assert.is(a.ino, b.ino);
  assert.is(a.nlink, 2);
  assert.is(a.mode & 0o7777, 0o4755, 'setuid survives');
});

t('a 50 MiB sparse file is applied without allocating its holes', async () => {
  const dst = await fresh();
  await applyLayer(Readable.from([tar]), dst);
  const st = await lstat(join(dst, 'sparse'));
  assert.is(st.size, 50 << 20);
  assert.ok(st.blocks * 512 < 1 << 20, `expected holes, ${st.blocks * 512} bytes allocated`);
});

t('GNU tar lists and extracts our tar to the same tree', async () => {
  const dir = await fresh();
  const file = join(dir, 'layer.tar');
  await writeFile(file, tar);
  const out = join(dir, 'out');
  await run('mkdir', [out]);
  await run('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', file, '-C', out]);
  assert.equal(await snapshotTree(out), await snapshotTree(src));
  const { stdout } = await run('tar', ['-tvf', file, '--numeric-owner'], { encoding: 'utf8' });
  assert.match(stdout, /hrwsr-xr-x \d+\/\d+ +0 .* bin\/su-link link to bin\/su/);
  if (isRoot()) assert.match(stdout, /-rw-r--r-- 3000000\/4000000 /);
});

t('a file replaced by a directory and a directory by a file, like docker', async () => {
  const lower = await fresh();
  await run('sh', ['-c', 'mkdir -p d/sub && echo x > d/sub/f && echo y > f', ''], { cwd: lower });
  const change = await fresh();
  await run('sh', ['-c', 'echo now-a-file > d && mkdir f && echo z > f/inner', ''], { cwd: change });
  await applyLayer(createDiffStream(change).stream, lower);
  assert.equal(await snapshotTree(lower, { mtimes: false }), await snapshotTree(change, { mtimes: false }));
});

t('a real file named .wh.* is refused: it would read as a whiteout', async () => {
  const dir = await fresh();
  await writeFile(join(dir, '.wh.sneaky'), 'x');
  await collect(createDiffStream(dir).stream).then(
    () => assert.unreachable('diffed'),
    (err: Error) => {
      assert.instance(err, InvalidArgumentError);
      assert.match(err.message, /file "\.wh\.sneaky" cannot go into a layer/);
    },
  );
});

t.run();
