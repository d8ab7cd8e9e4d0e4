// Throughput of diff (tar + sha256) and apply on a 200 MiB tree. Prints
// numbers only: timings on shared machines are too noisy to assert.
import { randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyLayer, createDiffStream } from './index.js';
import { removeDir, tempDir } from './test-support.js';

const t = suite('layer perf');
const FILES = 4;
const FILE_MIB = 50;
let base = '';
let src = '';

t.before(async () => {
  base = await tempDir();
  src = join(base, 'src');
  await mkdir(src);
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (let i = 0; i < FILES; i++) {
    const fh = await open(join(src, `blob-${i}`), 'w');
    for (let m = 0; m < FILE_MIB; m++) await fh.write(randomFillSync(chunk));
    await fh.close();
  }
});

t.after(async () => {
  await removeDir(base);
});

function rate(bytes: number, ms: number): string {
  return `${((bytes / (1 << 20)) / (ms / 1000)).toFixed(0)} MiB/s`;
}

t('diff and apply of 200 MiB', async () => {
  let started = performance.now();
  const d = createDiffStream(src);
  await pipeline(d.stream, new Writable({ highWaterMark: 1 << 20, write: (_c, _e, cb) => cb() }));
  const diffed = await d.done;
  const diffMs = performance.now() - started;

  const tarFile = join(base, 'layer.tar');
  const d2 = createDiffStream(src);
  await pipeline(d2.stream, createWriteStream(tarFile));
  assert.is((await d2.done).diffID, diffed.diffID);

  const dst = join(base, 'dst');
  await mkdir(dst);
  started = performance.now();
  const applied = await applyLayer(createReadStream(tarFile, { highWaterMark: 1 << 20 }), dst);
  const applyMs = performance.now() - started;
  assert.is(applied.diffID, diffed.diffID);

  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    `\n  diff+sha256: ${rate(diffed.size, diffMs)} (${diffMs.toFixed(0)} ms); apply+sha256: ${rate(applied.size, applyMs)} (${applyMs.toFixed(0)} ms); peak RSS ${rss.toFixed(0)} MiB`,
  );
});

t.run();
