#!/usr/bin/env node
// kiln's build benchmark: the shared bench cases (hello, chain10, manylayers,
// bigctx, parallel, biglayer), cold / warm no-op / one file changed as the shared
// README defines them, timed as whole processes (median of N runs after a
// warm-up, NODE_EXTRA_CA_CERTS unset, --network none), peak RSS from GNU time.
// Every figure is printed beside its issue #15 target.
//
// Other engines run in the same invocation, alternating run by run (the order
// flips every run) so that machine load falls on all of them alike:
//   --compare DIR   another kiln checkout (built), e.g. a baseline: both medians and the ratio (repeatable)
//   --docker SOCK   BuildKit through dockerd at this socket (DOCKER_HOST also works);
//                   without a reachable daemon the shared README's BuildKit figures are
//                   printed instead, marked "reference"
// Usage: npm run bench [-- --runs 5] [--case hello,chain10] [--compare ../wt-base] [--samples]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildkitEngine, haveGnuTime, kilnEngine, writeBaseContext } from './engines.mjs';
import { referenceFigures, targets } from './targets.mjs';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const shared = process.env.KILN_SHARED ?? join(repo, '..', 'shared');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const RUNS = Number(opt('--runs', '5'));
const only = opt('--case', '')?.split(',').filter(Boolean) ?? [];
const compares = args.flatMap((a, i) => (a === '--compare' && args[i + 1] !== undefined ? [args[i + 1]] : []));
const showSamples = args.includes('--samples');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const secs = (s) => `${s.toFixed(3)} s`;

const work = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
const engines = [kilnEngine('kiln', repo, work, env)];
for (const c of compares) engines.push(kilnEngine(basename(resolve(c)) || 'compare', resolve(c), work, env));
const bk = buildkitEngine(opt('--docker', undefined), env);
if (typeof bk !== 'string') engines.push(bk);
const reference = referenceFigures(join(shared, 'bench', 'README.md'));

/**
 * Times one case on every engine: a warm-up each, then RUNS rounds; in each round
 * every engine runs once (prepare, untimed, right before its own run), the order
 * reversed every other round.
 */
function measure(label, prepare, build) {
  const samples = engines.map(() => []);
  engines.forEach((e) => {
    prepare?.(e);
    build(e);
  });
  for (let i = 0; i < RUNS; i++) {
    const order = engines.map((_, k) => k);
    if (i % 2 === 1) order.reverse();
    for (const k of order) {
      prepare?.(engines[k]);
      samples[k].push(build(engines[k]));
    }
  }
  report(label, samples);
}

function report(label, samples) {
  const med = samples.map((xs) => median(xs.map((x) => x.s)));
  const rss = samples.map((xs) => Math.max(...xs.map((x) => x.rss)));
  const t = targets[label];
  const cols = [`${label.padEnd(22)} ${secs(med[0]).padStart(9)}`, `target ≤ ${t.s.toFixed(2)} s ${med[0] <= t.s ? 'MET ' : 'miss'}`];
  engines.slice(1).forEach((e, j) => cols.push(`${e.short ?? e.name} ${secs(med[j + 1])}  ratio ${(med[0] / med[j + 1]).toFixed(2)}`));
  if (typeof bk === 'string' && reference[label] !== undefined) cols.push(`BuildKit ${secs(reference[label])} (reference)  ratio ${(med[0] / reference[label]).toFixed(2)}`);
  const bkMed = typeof bk === 'string' ? reference[label] : med[engines.length - 1];
  if (t.ratio !== undefined && bkMed !== undefined) cols.push(`target ≤ ${t.ratio}× BuildKit ${med[0] / bkMed <= t.ratio ? 'MET' : 'miss'}`);
  cols.push(`peak RSS ${rss.map((r) => (Number.isNaN(r) ? 'n/a' : `${r.toFixed(0)} MiB`)).join(' / ')}`);
  console.log(cols.join('   '));
  if (showSamples) engines.forEach((e, k) => console.log(`    ${e.name}: ${samples[k].map((x) => x.s.toFixed(3)).join(' ')}`));
}

try {
  const baseCtx = join(work, 'busybox');
  writeBaseContext(baseCtx);
  for (const e of engines) e.setup(baseCtx, engines[0].baseTar);
  const caseDir = (name) => {
    const dir = join(work, 'cases', name);
    cpSync(join(shared, 'bench', 'cases', name), dir, { recursive: true });
    return dir;
  };
  const want = (c) => only.length === 0 || only.includes(c);
  console.log(`kiln build bench: median of ${RUNS} runs after a warm-up, whole process, --network none${haveGnuTime ? '' : ' (install GNU time for peak RSS)'}`);
  console.log(`engines, alternating run by run: ${engines.map((e) => e.desc ?? e.name).join(', ')}`);
  if (typeof bk === 'string') console.log(`BuildKit not measured: ${bk}; its figures below are the shared README's, marked (reference)`);
  for (const name of ['hello', 'chain10', 'manylayers']) {
    if (!want(name)) continue;
    const dir = caseDir(name);
    measure(`${name} cold`, null, (e) => e.build(dir, { noCache: true }));
    measure(`${name} warm`, null, (e) => e.build(dir));
  }
  if (want('bigctx')) {
    const dir = caseDir('bigctx');
    execFileSync('sh', [join(dir, 'gen.sh')], { stdio: 'ignore' });
    measure('bigctx fresh root', (e) => e.freshRoot(), (e) => e.build(dir, { fresh: true }));
    measure('bigctx warm', null, (e) => e.build(dir));
    const f = join(dir, 'files', 'd00', 'f0000.txt');
    measure('bigctx 1 file changed', () => writeFileSync(f, `file 00000 of the bigctx benchmark context, changed ${process.hrtime.bigint()}\n`), (e) => e.build(dir));
  }
  if (want('parallel')) {
    const dir = caseDir('parallel');
    measure('parallel cold', null, (e) => e.build(dir, { noCache: true }));
  }
  if (want('biglayer')) {
    const dir = caseDir('biglayer');
    measure('biglayer cold', null, (e) => e.build(dir, { noCache: true }));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
