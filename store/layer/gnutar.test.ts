// Layers made by GNU tar (PAX with xattrs and sparse 1.0, sparse 0.0/0.1, and
// the old GNU format with long-name entries and base-256 ids) apply to the
// same tree as the source.
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyLayer } from './index.js';
import { isRoot, makeFixture, removeDir, run, snapshotTree, tempDir } from './test-support.js';

const t = suite('GNU tar interop');
const dirs: string[] = [];
let src = '';
let work = '';

t.before(async () => {
  src = await tempDir();
  work = await tempDir();
  dirs.push(src, work);
  await makeFixture(src);
});

t.after(async () => {
  for (const d of dirs) await removeDir(d);
});

/** Makes a tarball of `src` with `flags`, applies it to a fresh dir, returns that dir. */
async function roundTrip(name: string, flags: string[]): Promise<string> {
  const file = join(work, `${name}.tar`);
  await run('tar', [...flags, '--numeric-owner', '-cpf', file, '-C', src, '.']);
  const dst = await tempDir();
  dirs.push(dst);
  const result = await applyLayer(createReadStream(file), dst);
  assert.is(result.size, (await lstat(file)).size);
  return dst;
}

function withoutCaps(tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, JSON.stringify({ ...JSON.parse(v), cap: undefined })]));
}

t('pax format with security xattrs and sparse 1.0 (tar --xattrs -S)', async () => {
  const dst = await roundTrip('pax', ['--xattrs', "--xattrs-include=security.*", '-S']);
  assert.equal(await snapshotTree(dst), await snapshotTree(src));
  if (isRoot()) assert.match((await snapshotTree(dst))['bin/ping'] ?? '', /"cap":"0100000200040000/);
  assert.ok((await lstat(join(dst, 'sparse'))).blocks * 512 < 1 << 20, 'the sparse file stays sparse');
});

for (const version of ['0.0', '0.1']) {
  t(`pax format with sparse ${version}`, async () => {
    const dst = await roundTrip(`sparse-${version}`, ['--format=posix', '-S', `--sparse-version=${version}`]);
    assert.equal(withoutCaps(await snapshotTree(dst)), withoutCaps(await snapshotTree(src)));
  });
}

t('old GNU format: long-name entries, base-256 ids, old sparse headers', async () => {
  const dst = await roundTrip('gnu', ['--format=gnu', '-S']);
  assert.equal(withoutCaps(await snapshotTree(dst)), withoutCaps(await snapshotTree(src)));
});

t('a file with more data segments than one old GNU header holds', async () => {
  const dir = await tempDir();
  dirs.push(dir);
  const script = 'truncate -s 10M many && for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do printf "$i" | dd of=many bs=1 seek=$((i * 300000)) conv=notrunc status=none; done';
  await run('sh', ['-c', script], { cwd: dir });
  const file = join(work, 'many.tar');
  await run('tar', ['--format=gnu', '-S', '-cpf', file, '-C', dir, 'many']);
  const dst = await tempDir();
  dirs.push(dst);
  await applyLayer(createReadStream(file), dst);
  assert.equal(await snapshotTree(dst), await snapshotTree(dir));
});

t.run();
