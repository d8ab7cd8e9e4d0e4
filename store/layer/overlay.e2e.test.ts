// Diff and apply against real overlayfs mounts (root only). Without root or
// the tools the shared gate reports a skip (a failure in CI) and nothing runs;
// a root host that cannot mount overlayfs fails the tests.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyLayer, createDiffStream } from './index.js';
import { e2eReady } from '../../util/test-e2e.js';
import { collect, removeDir, run, tarHeaders, tarNames, tempDir } from './test-support.js';

const t = suite('layers on overlayfs');
let base = '';
const mounted: string[] = [];

t.before(async () => {
  base = await tempDir();
});

t.after(async () => {
  for (const m of mounted.splice(0)) await unmount(m);
  await removeDir(base);
});

/** Mounts an overlay of `lower` with a fresh upper/work under `dir`; returns its paths. */
async function mountOverlay(dir: string, lower: string): Promise<{ upper: string; merged: string }> {
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((n) => join(dir, n)) as [string, string, string];
  for (const d of [lower, upper, work, merged]) await mkdir(d, { recursive: true });
  await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
  mounted.push(merged);
  return { upper, merged };
}

async function unmount(merged: string): Promise<void> {
  await run('umount', [merged]);
  const i = mounted.indexOf(merged);
  if (i >= 0) mounted.splice(i, 1);
}

t('an upper dir diffs to OCI whiteouts and applies back onto an overlay', async () => {
  const lower = join(base, 'lower');
  await mkdir(join(lower, 'd'), { recursive: true });
  await writeFile(join(lower, 'a'), 'a');
  await writeFile(join(lower, 'd/x'), 'x');
  await writeFile(join(lower, 'd/y'), 'y');

  const step = await mountOverlay(join(base, 'step'), lower);
  try {
    await run('sh', ['-c', 'rm a && rm -rf d && mkdir d && echo z > d/z', ''], { cwd: step.merged });
  } finally {
    await unmount(step.merged);
  }
  const tar = await collect(createDiffStream(step.upper).stream);
  assert.equal(await tarNames(tar), ['.wh.a', 'd/', 'd/.wh..wh..opq', 'd/z']);

  const next = await mountOverlay(join(base, 'next'), lower);
  try {
    await applyLayer(Readable.from([tar]), next.merged);
    assert.equal((await readdir(next.merged)).sort(), ['d']);
    assert.equal(await readdir(join(next.merged, 'd')), ['z']);
  } finally {
    await unmount(next.merged);
  }
  // The kernel recorded the deletions as overlay whiteouts, which diff back to
  // the same change (per-child whiteouts instead of an opaque dir).
  const again = await collect(createDiffStream(next.upper).stream);
  assert.equal(await tarNames(again), ['.wh.a', 'd/', 'd/.wh.x', 'd/.wh.y', 'd/z']);
  // The kernel may share one whiteout inode between deletions; they are still plain whiteouts.
  const whiteouts = (await tarHeaders(again)).filter((h) => h.name.includes('.wh.'));
  assert.equal(whiteouts.map((h) => [h.type, h.size, h.mode]), [['file', 0, 0o600], ['file', 0, 0o600], ['file', 0, 0o600]]);
});

t('diff refuses an upper dir with a redirected (renamed) directory', async () => {
  const dir = join(base, 'redirect');
  await mkdir(join(dir, 'upper/moved'), { recursive: true });
  await run('setfattr', ['-n', 'trusted.overlay.redirect', '-v', '/orig', join(dir, 'upper/moved')]);
  await collect(createDiffStream(join(dir, 'upper')).stream).then(
    () => assert.unreachable('diffed'),
    (err: Error) => assert.match(err.message, /"moved" has trusted\.overlay\.redirect: mount the overlay with redirect_dir=off/),
  );
});

if (e2eReady('layers on overlayfs', ['mount', 'umount', 'setfattr'])) t.run();
