/**
 * Storage benchmark (issue 3): diff of a 200 MiB upper dir into the content
 * store, apply of a 200 MiB layer, and `kiln import` of a 200 MiB tarball.
 * Each runs in its own process so peak RSS is its own; a plain
 * `tar | sha256sum` pass is measured in the same run as the baseline.
 * Usage: npm run bench:storage [-- --mib N] [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalContentStore } from '../cache/index.js';
import { applyLayer, createDiffStream } from '../store/index.js';
import { ImageStore, importRootfs } from '../store/index.js';

type Case = 'diff' | 'apply' | 'import';

async function child(kind: Case, src: string, work: string): Promise<void> {
  // Sampled too: ru_maxrss can include the parent's size at fork time.
  let sampled = process.memoryUsage().rss;
  const timer = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 10);
  const t0 = performance.now();
  if (kind === 'diff') {
    const store = new LocalContentStore(join(work, 'oci'));
    const d = createDiffStream(src);
    await store.writeStream(d.stream);
    await d.done;
  } else if (kind === 'apply') {
    const { createReadStream } = await import('node:fs');
    const target = join(work, 'applied');
    await mkdir(target, { recursive: true });
    await applyLayer(createReadStream(src, { highWaterMark: 1 << 20 }), target);
  } else {
    const { createReadStream } = await import('node:fs');
    const content = new LocalContentStore(join(work, 'oci'));
    const images = await ImageStore.open(join(work, 'oci'), content);
    await importRootfs(images, createReadStream(src, { highWaterMark: 1 << 20 }), { name: 'bench:import', sourceLabel: src });
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  sampled = Math.max(sampled, process.memoryUsage().rss);
  process.stdout.write(`${JSON.stringify({ ms, maxRssMiB: Math.min(sampled / 1048576, process.resourceUsage().maxRSS / 1024) })}\n`);
}

function runChild(kind: Case, src: string, work: string): { ms: number; maxRssMiB: number } {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, src, work], { encoding: 'utf8' });
  return JSON.parse(out) as { ms: number; maxRssMiB: number };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1] as Case, args[2] ?? '', args[3] ?? '');
  const mib = Number(args[args.indexOf('--mib') + 1] ?? 200) || 200;
  const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
  const dir = await mkdtemp(join(tmpdir(), 'kiln-bench-storage-'));
  try {
    const upper = join(dir, 'upper');
    await mkdir(upper);
    const files = 4;
    // Made by a separate process: a parent holding big buffers would inflate its children's
    // ru_maxrss (Linux carries the pre-exec high-water mark into the child).
    for (let i = 0; i < files; i++) execFileSync('sh', ['-c', `head -c ${(mib / files) * (1 << 20)} /dev/urandom > '${join(upper, `f${i}`)}'`]);
    const tarball = join(dir, 'layer.tar');
    execFileSync('tar', ['-cf', tarball, '-C', upper, '.']);
    const bytes = mib * (1 << 20);
    const base: number[] = [];
    const results: Record<Case, { ms: number[]; rss: number[] }> = { diff: { ms: [], rss: [] }, apply: { ms: [], rss: [] }, import: { ms: [], rss: [] } };
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      execFileSync('sh', ['-c', `tar -cf - -C '${upper}' . | sha256sum > /dev/null`]);
      base.push(performance.now() - t0);
      for (const kind of ['diff', 'apply', 'import'] as const) {
        const work = await mkdtemp(join(dir, `w-${kind}-`));
        const res = runChild(kind, kind === 'diff' ? upper : tarball, work);
        results[kind].ms.push(res.ms);
        results[kind].rss.push(res.maxRssMiB);
        await rm(work, { recursive: true, force: true });
      }
    }
    const mbps = (ms: number): string => ((bytes / 1e6) / (ms / 1000)).toFixed(0);
    console.log(`storage bench: ${mib} MiB in ${files} files, median of ${runs} runs (each case in its own process)`);
    console.log(`baseline tar | sha256sum   ${median(base).toFixed(0)} ms  ${mbps(median(base))} MB/s`);
    for (const kind of ['diff', 'apply', 'import'] as const) {
      const ms = median(results[kind].ms);
      console.log(`${kind.padEnd(24)}  ${ms.toFixed(0)} ms  ${mbps(ms)} MB/s  peak RSS ${Math.max(...results[kind].rss).toFixed(0)} MiB`);
    }
    console.log('targets: diff + sha256 >= 250 MB/s; peak RSS < 120 MiB');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
