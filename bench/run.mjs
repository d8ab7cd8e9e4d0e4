#!/usr/bin/env node
// kiln's build benchmark: cases shaped like ../shared/bench (hello, chain10,
// bigctx, parallel, biglayer, manylayers), each cold / warm no-op / one file
// changed as the shared README defines them, timed as whole kiln processes
// (median of N runs after a warm-up, NODE_EXTRA_CA_CERTS unset, --network=none),
// with peak RSS from GNU time when it is installed.
// Usage: npm run bench [-- --runs 5] [--case hello,chain10] [--big]
// --big adds ctx100k (100,000 files, 1,000 dirs; slow, opt-in): cold, warm no-op, one file changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = dirname(dirname(fileURLToPath(import.meta.url)));
const kiln = join(repo, 'bin', 'kiln');
const shared = process.env.KILN_SHARED ?? join(repo, '..', 'shared');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const RUNS = Number(opt('--runs', '5'));
const only = opt('--case', '')?.split(',').filter(Boolean) ?? [];
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const gnuTime = existsSync('/usr/bin/time');

const targets = {
  'hello cold': 0.12, 'hello warm': 0.07, 'chain10 cold': 0.45, 'chain10 warm': 0.09,
  'bigctx fresh root': 2.5, 'bigctx warm': 0.15, 'bigctx 1 file changed': 1.0, 'parallel cold': 2.15,
  'biglayer cold': 1.8, 'manylayers cold': 2.7, 'manylayers warm': 0.12,
  'ctx100k cold': 8, 'ctx100k warm': 1, 'ctx100k 1 file changed': 2,
};
const buildkit = {
  'hello cold': 0.147, 'hello warm': 0.091, 'chain10 cold': 0.788, 'chain10 warm': 0.104,
  'bigctx fresh root': 5.43, 'bigctx warm': 0.34, 'bigctx 1 file changed': 2.16, 'parallel cold': 2.23,
  'biglayer cold': 2.46, 'manylayers cold': 4.79, 'manylayers warm': 0.16,
};
// kiln's own figures for ctx100k from issue #15 (no BuildKit reference was measured).
const before = { 'ctx100k cold': 17.2, 'ctx100k warm': 2.2, 'ctx100k 1 file changed': 17.2 };

function timed(root, buildArgs) {
  const cmd = gnuTime ? ['/usr/bin/time', '-f', '%M', kiln] : [kiln];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], [...cmd.slice(1), '--root', root, 'build', '--progress', 'quiet', '--network', 'none', ...buildArgs], { env, encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`kiln build ${buildArgs.join(' ')} failed: ${r.stderr}`);
  const rss = gnuTime ? Number(r.stderr.trim().split('\n').pop()) / 1024 : NaN;
  return { s, rss };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(label, prepare, run) {
  const samples = [];
  prepare?.(-1);
  run(-1); // warm-up
  for (let i = 0; i < RUNS; i++) {
    prepare?.(i);
    samples.push(run(i));
  }
  const s = median(samples.map((x) => x.s));
  const rss = Math.max(...samples.map((x) => x.rss));
  const target = targets[label];
  const bk = buildkit[label];
  const ref = bk === undefined ? `kiln before ${before[label].toFixed(1)} s` : `BuildKit ${bk.toFixed(3)} s`;
  console.log(`${label.padEnd(24)} ${s.toFixed(3).padStart(7)} s   ${ref}   target ≤ ${target.toFixed(2)} s   ${s <= target ? 'MET ' : 'miss'}   peak RSS ${Number.isNaN(rss) ? 'n/a' : `${rss.toFixed(0)} MiB`}`);
}

const work = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
try {
  // The base image, made offline like the shared README's bench/busybox.
  const baseCtx = join(work, 'busybox');
  mkdirSync(baseCtx);
  copyFileSync('/bin/busybox', join(baseCtx, 'busybox'));
  writeFileSync(join(baseCtx, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(baseCtx, 'group'), 'root:x:0:\n');
  writeFileSync(join(baseCtx, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nCOPY passwd group /etc/\n');
  const root = join(work, 'root');
  execFileSync(kiln, ['--root', root, 'build', '-q', '-t', 'bench/busybox', baseCtx], { env });
  execFileSync(kiln, ['--root', root, 'save', 'bench/busybox', '-o', join(work, 'base.tar')], { env });
  const caseDir = (name) => {
    const dir = join(work, 'cases', name);
    cpSync(join(shared, 'bench', 'cases', name), dir, { recursive: true });
    return dir;
  };
  const want = (c) => only.length === 0 || only.includes(c);
  console.log(`kiln build bench: median of ${RUNS} runs after a warm-up, whole process, --network none${gnuTime ? '' : ' (install GNU time for peak RSS)'}`);
  for (const name of ['hello', 'chain10', 'manylayers']) {
    if (!want(name)) continue;
    const dir = caseDir(name);
    measure(`${name} cold`, null, () => timed(root, ['--no-cache', dir]));
    measure(`${name} warm`, null, () => timed(root, [dir]));
  }
  if (want('bigctx')) {
    const dir = caseDir('bigctx');
    execFileSync('sh', [join(dir, 'gen.sh')], { stdio: 'ignore' });
    const fresh = (i) => {
      const r = join(work, `fresh-${i}`);
      rmSync(r, { recursive: true, force: true });
      execFileSync(kiln, ['--root', r, 'load', '-q', '-i', join(work, 'base.tar')], { env });
      return r;
    };
    let freshRoot = '';
    measure('bigctx fresh root', (i) => (freshRoot = fresh(i)), () => timed(freshRoot, [dir]));
    measure('bigctx warm', null, () => timed(root, [dir]));
    const f = join(dir, 'files', 'd00', 'f0000.txt');
    measure('bigctx 1 file changed', () => writeFileSync(f, `file 00000 of the bigctx benchmark context, changed ${process.hrtime.bigint()}\n`), () => timed(root, [dir]));
  }
  if (args.includes('--big')) {
    // 100,000 small files in 1,000 directories, built like bigctx (COPY . /app, then a RUN).
    const dir = join(work, 'cases', 'ctx100k');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(shared, 'bench', 'cases', 'bigctx', 'Dockerfile'), join(dir, 'Dockerfile'));
    for (let d = 0; d < 1000; d++) {
      const sub = join(dir, 'files', `d${String(d).padStart(3, '0')}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(sub, `f${String(d * 100 + f).padStart(6, '0')}.txt`), `file ${d * 100 + f} of the ctx100k context\n`);
    }
    const f = join(dir, 'files', 'd000', 'f000000.txt');
    measure('ctx100k cold', null, () => timed(root, ['--no-cache', dir]));
    measure('ctx100k warm', null, () => timed(root, [dir]));
    measure('ctx100k 1 file changed', () => writeFileSync(f, `changed ${process.hrtime.bigint()}\n`), () => timed(root, [dir]));
  }
  if (want('parallel')) {
    const dir = caseDir('parallel');
    measure('parallel cold', null, () => timed(root, ['--no-cache', dir]));
  }
  if (want('biglayer')) {
    const dir = caseDir('biglayer');
    measure('biglayer cold', null, () => timed(root, ['--no-cache', dir]));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
