#!/usr/bin/env node
// Where a kiln process spends its time: runs `kiln ARGS...` under `node
// --cpu-prof` and sums the samples by phase, mapping each sample's innermost
// kiln frame back to its source file through the bundle's source maps:
// start-up (Node's bootstrap, module loading and compiling), parse (parser/),
// plan (frontend/plan, frontend/context), solve (solver/, cache/, the builder),
// runtime (executor/), idle (waiting on a container, I/O or the CPU), export
// (store/, the builder's export and outputs), cli (cli/), gc.
// Usage: node bench/profile.mjs [--root DIR] build ... (any kiln arguments)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'kiln-prof-'));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
try {
  const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, join(repo, 'dist', 'bundle', 'main.js'), ...process.argv.slice(2)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`kiln exited ${r.status}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no profile written');
  report(JSON.parse(readFileSync(join(dir, file), 'utf8')));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function report(p) {
  const maps = new Map();
  const mapFor = (url) => {
    if (!maps.has(url)) {
      let m;
      try {
        m = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
      } catch {
        m = undefined;
      }
      maps.set(url, m);
    }
    return maps.get(url);
  };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseCache = new Map();
  const phaseOf = (id) => {
    if (phaseCache.has(id)) return phaseCache.get(id);
    const leaf = byId.get(id).callFrame;
    let phase;
    if (leaf.functionName === '(idle)') phase = 'idle (waiting: the container, I/O, other processes)';
    else if (leaf.functionName === '(garbage collector)') phase = 'gc';
    else {
      for (let cur = id; cur !== undefined && phase === undefined; cur = parent.get(cur)) {
        const f = byId.get(cur).callFrame;
        if (/compileSourceTextModule|compileForInternalLoader/.test(f.functionName)) phase = 'start-up';
        if (!f.url.includes('/dist/bundle/')) continue;
        const src = mapFor(f.url)?.findEntry(f.lineNumber, f.columnNumber)?.originalSource ?? '';
        phase = classify(src.replace(/^.*?\/(?=(cli|parser|frontend|solver|cache|store|executor|registry|remotecache|containers|oci|util|node_modules)\/)/, ''));
      }
      phase ??= 'start-up';
    }
    phaseCache.set(id, phase);
    return phase;
  };
  const sums = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const ph = phaseOf(p.samples[i]);
    sums.set(ph, (sums.get(ph) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const total = (p.endTime - p.startTime) / 1000;
  console.log(`| phase | ms | share |\n|---|---|---|`);
  for (const [k, v] of [...sums].sort((a, b) => b[1] - a[1])) console.log(`| ${k} | ${v.toFixed(0)} | ${((100 * v) / total).toFixed(0)}% |`);
  console.log(`| total (profiled span) | ${total.toFixed(0)} | |`);
}

function classify(src) {
  if (src.startsWith('node_modules/chevrotain') || src.startsWith('node_modules/@chevrotain') || src.startsWith('node_modules/lodash') || src.startsWith('parser/')) return 'parse';
  if (src.startsWith('frontend/plan') || src.startsWith('frontend/context')) return 'plan';
  if (/^frontend\/builder\/(export|outputs|layer-commit)/.test(src) || src.startsWith('store/') || src.startsWith('node_modules/tar-stream') || src.startsWith('node_modules/streamx')) return 'export';
  if (src.startsWith('executor/')) return 'runtime';
  if (src.startsWith('solver/') || src.startsWith('cache/') || src.startsWith('frontend/') || src.startsWith('node_modules/p-queue') || src.startsWith('node_modules/xxhash')) return 'solve';
  if (src.startsWith('cli/') || src.startsWith('node_modules/commander')) return 'cli';
  return 'other (util/, oci/, libraries)';
}
