// The same tree gives the same diffID, wherever it lives and whenever its
// files were touched, once SOURCE_DATE_EPOCH is older than every change.
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDiffStream } from './index.js';
import type { DiffOptions, LayerDigest } from './index.js';
import { collect, makeFixture, removeDir, run, tempDir } from './test-support.js';

const t = suite('layer determinism');
const dirs: string[] = [];
let src = '';
let copy = '';
const EPOCH = 1_000_000_000; // 2001: older than every file in both trees

t.before(async () => {
  src = await tempDir();
  const parent = await tempDir();
  dirs.push(src, parent);
  await makeFixture(src);
  copy = join(parent, 'elsewhere', 'copy');
  await run('mkdir', ['-p', join(parent, 'elsewhere')]);
  await run('cp', ['-a', src, copy]);
  await run('touch', [join(copy, 'etc/hosts'), join(copy, 'bin/su'), join(copy, 'etc')]);
});

t.after(async () => {
  for (const d of dirs) await removeDir(d);
});

async function diffID(dir: string, options: DiffOptions = {}): Promise<LayerDigest & { bytes: Buffer }> {
  const d = createDiffStream(dir, options);
  const bytes = await collect(d.stream);
  return { ...(await d.done), bytes };
}

t('diffing the same tree twice gives the same diffID', async () => {
  const a = await diffID(src, { sourceDateEpoch: EPOCH });
  const b = await diffID(src, { sourceDateEpoch: EPOCH });
  assert.is(a.diffID, b.diffID);
  assert.ok(a.bytes.equals(b.bytes));
});

t('a copy at another path, touched later, gives the same diffID under SOURCE_DATE_EPOCH', async () => {
  const a = await diffID(src, { sourceDateEpoch: EPOCH });
  const b = await diffID(copy, { sourceDateEpoch: EPOCH });
  assert.is(b.diffID, a.diffID);
});

t('without SOURCE_DATE_EPOCH the touched copy differs (mtimes are in the layer)', async () => {
  const a = await diffID(src);
  const b = await diffID(copy);
  assert.is.not(b.diffID, a.diffID);
});

t('files older than SOURCE_DATE_EPOCH keep their own mtime', async () => {
  const dir = await tempDir();
  dirs.push(dir);
  await run('sh', ['-c', 'echo old > old && echo new > new', ''], { cwd: dir });
  await utimes(join(dir, 'old'), 500_000_000, 500_000_000);
  const tar = (await diffID(dir, { sourceDateEpoch: EPOCH })).bytes;
  const mtimes = headerMtimes(tar);
  assert.equal(mtimes, { new: EPOCH, old: 500_000_000 });
});

t('headers carry no user names, atime or ctime, and no PAX header for plain entries', async () => {
  const dir = await tempDir();
  dirs.push(dir);
  await run('sh', ['-c', 'echo x > plain', ''], { cwd: dir });
  const tar = (await diffID(dir)).bytes;
  assert.is(tar.length, 512 + 512 + 1024, 'one header, one data block, the end marker');
  assert.is(tar.toString('latin1', 156, 157), '0', 'a regular file, not a PAX header');
  assert.is(tar.subarray(265, 329).every((b) => b === 0), true, 'uname and gname are empty');
  assert.not.match(tar.toString('latin1'), /atime|ctime/);
});

/** name → mtime for the ustar headers of a small tar of regular files. */
function headerMtimes(tar: Buffer): Record<string, number> {
  const out: Record<string, number> = {};
  for (let off = 0; off + 512 <= tar.length; ) {
    const block = tar.subarray(off, off + 512);
    if (block.every((b) => b === 0)) break;
    const name = block.toString('latin1', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(block.toString('latin1', 124, 136), 8);
    out[name] = parseInt(block.toString('latin1', 136, 148), 8);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

t.run();
