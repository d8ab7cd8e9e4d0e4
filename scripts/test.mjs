// Runs every compiled test file (dist/**/*.test.js) with uvu, each in its own
// process (a crash in one file cannot hide the others), and ends with the one
// line CI reads: `N passed, N failed`. Exits non-zero on any failure.
// Nothing skips quietly: a file's `KILN-SKIP what: reason` lines (printed by
// the e2e gate, util/test-e2e.ts), uvu's own skips (test.skip, .only) and a
// file that ran no test are listed at the end with their reasons; in CI
// (util/ci.ts) each of them also counts as a failure.
// Usage: node scripts/test.mjs [substring-filter...]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const uvuBin = join(root, 'node_modules', 'uvu', 'bin.js');
const { inCI } = await import(pathToFileURL(join(dist, 'util', 'ci.js')).href);
const ci = inCI(process.env);
const SKIP_LINE = /^KILN-SKIP (.+)$/gm;
const filters = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'bundle') out.push(...findTests(p));
    else if (e.isFile() && e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

function runFile(file) {
  return new Promise((resolve) => {
    const rel = relative(dist, file);
    const child = spawn(process.execPath, [uvuBin, dirname(file), `^${escapeRe(file.slice(dirname(file).length + 1))}$`, '-c', 'false'], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d) => ((out += d), (stdout += d)));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const num = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(out)?.[1] ?? 0);
      const total = num('Total');
      const passed = num('Passed');
      const uvuSkipped = num('Skipped');
      let failed = total - passed; // uvu's Total counts only the tests it ran, not its skips
      const skips = [...stdout.matchAll(SKIP_LINE)].map((m) => m[1]);
      // Crashed before counting (in CI the gate's own non-zero exit is its skip, counted below).
      if (code !== 0 && failed === 0 && !(ci && skips.length > 0)) failed = 1;
      if (uvuSkipped > 0) skips.push(`${uvuSkipped} test(s) not run: test.skip or .only in the file`);
      if (code === 0 && total === 0 && skips.length === 0) skips.push('ran no tests and gave no reason');
      const skipped = skips.length - (uvuSkipped > 0 ? 1 : 0) + uvuSkipped;
      if (ci) failed += skipped;
      resolve({ rel, code, out, passed, failed, skipped, skips });
    });
  });
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const files = findTests(dist).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
const started = Date.now();
const results = [];
const queue = [...files];
const workers = Array.from({ length: Math.max(1, Math.min(availableParallelism(), 4)) }, async () => {
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    const r = await runFile(f);
    results.push(r);
    const status = r.failed > 0 ? 'FAIL' : 'ok  ';
    process.stdout.write(`${status} ${r.rel}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}\n`);
    if (r.failed > 0 || process.env.VERBOSE) process.stdout.write(r.out.replace(/^/gm, '    ') + '\n');
  }
});
await Promise.all(workers);
const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const passed = sum('passed');
const failed = sum('failed') + (files.length === 0 ? 1 : 0);
const skipped = sum('skipped');
if (files.length === 0) process.stdout.write('no test files found under dist/\n');
const skipList = results.flatMap((r) => r.skips.map((why) => `  ${r.rel}: ${why}`)).sort();
if (skipList.length > 0) {
  const head = ci ? 'skipped in CI, each counted as a failure' : 'skipped (in CI each would fail the run)';
  process.stdout.write(`${head}:\n${skipList.join('\n')}\n`);
}
process.stdout.write(`test files: ${files.length}, time: ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = failed > 0 ? 1 : 0;
