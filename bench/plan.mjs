#!/usr/bin/env node
// Planning speed on pathological but legal Dockerfiles (issue 9): each case at
// n and 10n instructions, timed as whole `kiln build --dry-run` processes
// (median of N runs, a fresh root each), with peak RSS from GNU time when it is
// installed. Linear planning shows a 10n/n ratio near 10 (less while start-up
// dominates); a quadratic part shows ~100. Ends with a real build of ENV lines
// on FROM scratch (no layers: nothing runs). Needs root only for that build.
// Usage: npm run bench:plan [-- --runs 3] [--case env,arg]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const kiln = join(repo, 'bin', 'kiln');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const RUNS = Number(opt('--runs', '3'));
const only = opt('--case', '').split(',').filter(Boolean);
const gnuTime = existsSync('/usr/bin/time');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

const repeat = (n, line) => Array.from({ length: n }, (_, i) => line(i)).join('\n');

/** name → [n, Dockerfile of n instructions]; each runs at n and 10n. */
const cases = {
  env: [10_000, (n) => `FROM scratch\n${repeat(n, (i) => `ENV K${i}=v${i}`)}\n`],
  arg: [10_000, (n) => `FROM scratch\n${repeat(n, (i) => `ARG A${i}=v${i}`)}\n`],
  label: [10_000, (n) => `FROM scratch\n${repeat(n, (i) => `LABEL l${i}=v${i}`)}\n`],
  run: [1_000, (n) => `FROM scratch\nENV A=1 B=2\n${repeat(n, (i) => `RUN echo ${i}`)}\n`],
  'env+run': [1_000, (n) => `FROM scratch\n${repeat(n * 10, (i) => `ENV K${i}=v${i}`)}\n${repeat(n, (i) => `RUN echo ${i}`)}\n`],
  stages: [500, (n) => `FROM scratch AS s0\n${repeat(n - 1, (i) => `FROM scratch AS s${i + 1}\nENV K=${i}\nCOPY --from=s${i} /x /x${i}`)}\n`],
  // Stage i inherits i variables and history entries: the plan itself is quadratic in size, as in BuildKit.
  'stage-chain': [500, (n) => `FROM scratch AS s0\n${repeat(n - 1, (i) => `FROM s${i} AS s${i + 1}\nENV K${i + 1}=v${i + 1}`)}\n`],
};

function timed(dir, extra) {
  const root = mkdtempSync(join(tmpdir(), 'kiln-bench-plan-root-'));
  try {
    const cmd = gnuTime ? ['/usr/bin/time', '-f', '%M', kiln] : [kiln];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd[0], [...cmd.slice(1), '--root', root, 'build', '--progress', 'quiet', '--network', 'none', ...extra, dir], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`kiln build ${extra.join(' ')} ${dir} failed: ${r.stderr.slice(-2000)}`);
    const rss = gnuTime ? Number(r.stderr.trim().split('\n').pop()) / 1024 : NaN;
    return { s, rss };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function measure(dir, extra) {
  const samples = Array.from({ length: RUNS }, () => timed(dir, extra));
  const s = [...samples.map((x) => x.s)].sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  return { s, rss: Math.max(...samples.map((x) => x.rss)) };
}

const work = mkdtempSync(join(tmpdir(), 'kiln-bench-plan-'));
const fmt = (x) => `${x.s.toFixed(2).padStart(6)} s ${Number.isNaN(x.rss) ? '' : `${x.rss.toFixed(0).padStart(5)} MiB`}`;
try {
  console.log(`kiln build --dry-run, median of ${RUNS} run(s)`);
  for (const [name, [n, text]] of Object.entries(cases)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const results = [n, n * 10].map((size) => {
      const dir = join(work, `${name}-${size}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'Dockerfile'), text(size));
      return measure(dir, ['--dry-run']);
    });
    const [a, b] = results;
    console.log(`${name.padEnd(12)} ${String(n).padStart(7)}: ${fmt(a)}   ${String(n * 10).padStart(7)}: ${fmt(b)}   ratio ${(b.s / a.s).toFixed(1)}`);
  }
  if (only.length === 0 || only.includes('build')) {
    for (const n of [2_000, 20_000]) {
      const dir = join(work, `build-${n}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'Dockerfile'), cases.env[1](n));
      console.log(`build (not dry-run) of ${n} ENV lines on FROM scratch: ${fmt(measure(dir, []))}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
