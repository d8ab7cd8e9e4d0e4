// Diff of two full trees (the copy-based snapshotter's input): only changes go
// into the layer, deletions become whiteouts, and applying the layer onto a
// copy of the lower tree gives the upper tree.
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyLayer, createDiffStream } from './index.js';
import { CAP_HEX, collect, isRoot, removeDir, run, snapshotTree, tarNames, tempDir } from './test-support.js';

const t = suite('layer diff of two trees');
let base = '';
let lower = '';
let upper = '';
let tar: Buffer = Buffer.alloc(0);

t.before(async () => {
  base = await tempDir();
  lower = join(base, 'lower');
  upper = join(base, 'upper');
  const setup = [
    'mkdir lower && cd lower',
    'echo a > a && mkdir -p d/keep-dir && echo x > d/x && echo y > d/y',
    'echo same > same && ln -s same link && echo mod > mod && echo perm > perm && echo cap > cap',
    'mkdir untouched && echo u > untouched/file',
  ].join(' && ');
  await run('sh', ['-c', setup], { cwd: base });
  await utimes(join(lower, 'mod'), 1_600_000_000, 1_600_000_000);
  await run('cp', ['-a', lower, upper]);
  const change = [
    'rm a && rm -rf d && mkdir d && echo z > d/z',
    'chmod 600 perm && ln -sf elsewhere link && echo new > new',
  ].join(' && ');
  await run('sh', ['-c', change], { cwd: upper });
  // Same size and (whole-second) mtime as before: only the bytes tell it changed.
  await writeFile(join(upper, 'mod'), 'MOD\n');
  await utimes(join(upper, 'mod'), 1_600_000_000, 1_600_000_000);
  if (isRoot()) await run('setfattr', ['-n', 'security.capability', '-v', `0x${CAP_HEX}`, join(upper, 'cap')]);
  tar = await collect(createDiffStream({ lower, upper }, { sourceDateEpoch: 1_700_000_000 }).stream);
});

t.after(async () => {
  await removeDir(base);
});

t('the layer holds exactly the changes, with whiteouts for deletions', async () => {
  const cap = isRoot() ? ['cap'] : []; // a capability is the only change to cap
  assert.equal(await tarNames(tar), ['.wh.a', ...cap, 'd/', 'd/.wh.keep-dir', 'd/.wh.x', 'd/.wh.y', 'd/z', 'link', 'mod', 'new', 'perm']);
});

t('applying the layer onto a copy of lower gives upper', async () => {
  const copy = join(base, 'copy');
  await run('cp', ['-a', lower, copy]);
  await applyLayer(Readable.from([tar]), copy);
  const want = await snapshotTree(upper, { mtimes: false });
  assert.equal(await snapshotTree(copy, { mtimes: false }), want);
});

t('identical trees give an empty layer', async () => {
  const same = join(base, 'same-copy');
  await run('cp', ['-a', lower, same]);
  assert.equal(await tarNames(await collect(createDiffStream({ lower, upper: same }).stream)), []);
});

t.run();
