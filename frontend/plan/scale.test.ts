/**
 * Pathological but legal Dockerfiles (issue 9): 100,000 ENV, ARG or LABEL
 * lines plan correctly, and many RUN steps after many variables do not each
 * carry a private copy of every variable (peak RSS of a child process that
 * plans one). Timings are `npm run bench:plan`'s job, not a test's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planOf, stepsOf, targetOf } from './test-support.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const N = 100_000;
/** ARG and LABEL lines: fewer, only to keep the suite short (`npm run bench:plan` times 100,000 of each). */
const M = 20_000;

function lines(n: number, line: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => line(i)).join('\n');
}

test('100,000 ENV lines: Env holds every variable in order, a redefinition replaces in place, the last RUN sees the last one', async () => {
  const text = `FROM scratch\n${lines(N, (i) => `ENV K${i}=v${i}`)}\nENV K5=again\nRUN echo $K${N - 1}\n`;
  const stage = targetOf(await planOf(text));
  const env = stage.config.config?.Env ?? [];
  assert.is(env.length, N + 1);
  assert.is(env[0], PATH);
  assert.is(env[6], 'K5=again');
  assert.ok(env.every((e, i) => i === 0 || i === 6 || e === `K${i - 1}=v${i - 1}`), 'Env out of order');
  assert.is(stage.config.history?.length, N + 2);
  assert.is(stage.config.history?.[N - 1]?.created_by, `ENV K${N - 1}=v${N - 1}`);
  const [run] = stepsOf(stage, 'run');
  assert.is(run?.name, `[1/1] RUN echo v${N - 1}`);
  assert.is(run?.env.length, N + 1);
  assert.is(run?.env[N], `K${N - 1}=v${N - 1}`);
  assert.ok(run?.env.includes('K5=again'));
});

test('20,000 ARG lines: each is in scope for RUN and in its history prefix, none in Env', async () => {
  const text = `FROM scratch\n${lines(M, (i) => `ARG A${i}=v${i}`)}\nRUN echo $A0\n`;
  const stage = targetOf(await planOf(text));
  assert.equal(stage.config.config?.Env, [PATH]);
  const [run] = stepsOf(stage, 'run');
  assert.is(run?.env.length, M + 1);
  assert.is(run?.env[M], `A${M - 1}=v${M - 1}`);
  assert.ok(run?.createdBy?.startsWith(`RUN |${M} A0=v0 A1=v1 `));
  assert.ok(run?.createdBy?.endsWith(` A${M - 1}=v${M - 1} /bin/sh -c echo $A0 # buildkit`));
});

test('20,000 LABEL lines: every label, the last value of a repeated key', async () => {
  const text = `FROM scratch\n${lines(M, (i) => `LABEL l${i}=v${i}`)}\nLABEL l0=last\n`;
  const labels = targetOf(await planOf(text)).config.config?.Labels ?? {};
  assert.is(Object.keys(labels).length, M);
  assert.is(labels.l0, 'last');
  assert.is(labels[`l${M - 1}`], `v${M - 1}`);
});

test('1,000 stages, each built on the one before: the last has every variable and every history entry; earlier ones keep theirs', async () => {
  const S = 1_000;
  const text = `FROM scratch AS s0\n${lines(S - 1, (i) => `FROM s${i} AS s${i + 1}\nENV K${i + 1}=v${i + 1}`)}\n`;
  const plan = await planOf(text);
  assert.is(plan.stages.length, S);
  const last = targetOf(plan);
  assert.is(last.config.config?.Env?.length, S);
  assert.is(last.config.history?.length, S - 1);
  // Stages share history entries; each keeps its own length.
  assert.is(plan.stages[10]?.config.history?.length, 10);
  assert.is(plan.stages[10]?.config.config?.Env?.at(-1), 'K10=v10');
});

test('2,000 RUN steps after 20,000 variables plan within a bounded memory (one shared variable list, not one copy per step)', () => {
  // A private copy per RUN is 2,000 × 20,000 strings, well over a GiB; shared, the plan is the size of the parse.
  const support = pathToFileURL(join(import.meta.dirname, 'test-support.js')).href;
  const script = `
    const { planOf, stepsOf, targetOf } = await import(${JSON.stringify(support)});
    const vars = Array.from({ length: 20000 }, (_, i) => 'ENV K' + i + '=v' + i).join('\\n');
    const runs = Array.from({ length: 2000 }, (_, i) => 'RUN echo ' + i).join('\\n');
    const plan = await planOf('FROM scratch\\n' + vars + '\\n' + runs + '\\n');
    const steps = stepsOf(targetOf(plan), 'run');
    const ok = steps.length === 2000 && steps.every((s) => s.env.length === 20001 && s.env[20000] === 'K19999=v19999');
    process.stdout.write(JSON.stringify({ ok, maxRssKiB: process.resourceUsage().maxRSS }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; maxRssKiB: number };
  assert.ok(out.ok, 'RUN steps lack their variables');
  assert.ok(out.maxRssKiB < 512 * 1024, `peak RSS ${Math.round(out.maxRssKiB / 1024)} MiB`);
});

test.run();
