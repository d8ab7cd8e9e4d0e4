/**
 * Measures context hashing on a big context: cold (no stat cache), warm
 * (a new hasher over the persisted stat cache, as a no-op rebuild) and one
 * file changed, plus a full COPY of the context into an empty rootfs.
 * Usage: npm run bench:context -- CONTEXT_DIR [RUNS]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xxhash from 'xxhash-wasm';
import { copySelection } from '../frontend/context/copy.js';
import { ContextHasher } from '../frontend/context/hash.js';
import { selectSources } from '../frontend/context/select.js';

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  return [out, Number(process.hrtime.bigint() - t0) / 1e6];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const [dir, runsArg] = process.argv.slice(2);
  if (dir === undefined) throw new Error('usage: npm run bench:context -- CONTEXT_DIR [RUNS]');
  const runs = Number(runsArg ?? 5);
  const api = await xxhash();
  const rows: Record<string, number[]> = { cold: [], warm: [], oneChanged: [], copy: [] };
  for (let i = 0; i < runs; i++) {
    const cache = await mkdtemp(join(tmpdir(), 'kiln-test-bench-'));
    const open = (): Promise<ContextHasher> => ContextHasher.open({ root: dir, xxhash: api, cacheDir: cache, resetOwner: true });
    const run = async (): Promise<ContextHasher> => {
      const h = await open();
      await selectSources(h, { sources: ['.'] });
      await h.save();
      return h;
    };
    const [cold, tCold] = await timed(run);
    await new Promise((r) => setTimeout(r, 100));
    const [warm, tWarm] = await timed(run);
    if (warm.counters.filesRead !== 0) throw new Error(`warm run read ${warm.counters.filesRead} files`);
    await writeFile(join(dir, 'bench-touched.txt'), `run ${i} ${Date.now()}\n`);
    await new Promise((r) => setTimeout(r, 100));
    const [, tOne] = await timed(run);
    const rootfs = await mkdtemp(join(tmpdir(), 'kiln-test-bench-'));
    const [, tCopy] = await timed(async () => {
      const h = await open();
      const sel = await selectSources(h, { sources: ['.'] });
      await copySelection(h.tree, sel, { rootfs, dest: '/app' });
    });
    rows.cold?.push(tCold);
    rows.warm?.push(tWarm);
    rows.oneChanged?.push(tOne);
    rows.copy?.push(tCopy);
    if (i === 0) console.log(`files read cold: ${cold.counters.filesRead}, bytes: ${cold.counters.bytesRead}`);
    await rm(cache, { recursive: true, force: true });
    await rm(rootfs, { recursive: true, force: true });
  }
  await rm(join(dir, 'bench-touched.txt'), { force: true });
  for (const [k, v] of Object.entries(rows)) console.log(`${k.padEnd(11)} median ${median(v).toFixed(1)} ms  (${v.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

await main();
