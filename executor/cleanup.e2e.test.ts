// Cleanup (root + runc): abort stops the container (SIGTERM, then SIGKILL
// after the grace period) and leaves nothing behind; the start-up sweep
// removes what a SIGKILLed kiln process left, and nothing that is alive.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from '../util/test-assert.js';
import { e2eReady } from '../util/test-e2e.js';
import { mountPointsUnder } from './mount.js';
import { OciRuntimeExecutor } from './runc.js';
import { Collector, leftovers, runIn, setupFixture, teardownFixture, testId, waitForText, type Fixture } from './test-support.js';

const isAbort = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';
// The default wait only guards against a hang (a loaded machine may be slow); it is no speed limit.
const gone = async (pid: number, ms = 30_000): Promise<boolean> => {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined || / Z /.test(stat.slice(stat.lastIndexOf(')')))) return true;
  }
  return false;
};

if (e2eReady('executor cleanup e2e', ['runc'])) {
  const test = suite('cleanup e2e (runc)');
  let f: Fixture;

  test.before(async () => {
    f = await setupFixture('runc', 300);
  });
  test.after(async () => {
    const left = await leftovers(f);
    await teardownFixture(f);
    assert.equal(left, { state: [], mounts: [], bundles: [] });
  });

  test('abort kills a container that ignores SIGTERM after the grace period, then cleans up', async () => {
    const out = new Collector();
    const ac = new AbortController();
    const run = runIn(f, ['sh', '-c', 'echo ready; sleep 100'], {}, { signal: ac.signal, stdout: out });
    await waitForText(out, 'ready');
    const started = Date.now();
    ac.abort();
    // The run settling at all proves the SIGKILL (the script would sleep 100 s); the
    // lower bound proves kiln waited out the 300 ms grace period first.
    await rejects(run, isAbort);
    const took = Date.now() - started;
    assert.ok(took >= 300, `took ${took} ms`);
    assert.equal(await leftovers(f), { state: [], mounts: [], bundles: [] });
  });

  test('abort sends SIGTERM first: a container that handles it exits before the grace period', async () => {
    const patient = new OciRuntimeExecutor({ stateDir: f.stateDir, runtime: f.runtime, killGraceMs: 10_000 });
    const out = new Collector();
    const ac = new AbortController();
    const spec = { id: testId('term'), rootfs: [{ type: 'bind', source: f.rootfs, options: ['rbind', 'rw'] }], env: [], network: 'none' as const };
    const script = 'trap "echo got-TERM; exit 3" TERM; echo ready; while :; do sleep 0.05; done';
    const run = patient.run({ ...spec, args: ['sh', '-c', script] }, { signal: ac.signal, stdio: { stdout: out, stderr: new Collector() } });
    await waitForText(out, 'ready');
    ac.abort();
    await rejects(run, isAbort);
    // Had SIGTERM not come first, the container would have been killed after the grace period without printing this.
    assert.match(out.text(), /got-TERM/);
  });

  test('an already aborted signal: nothing runs, nothing is created', async () => {
    const ac = new AbortController();
    ac.abort();
    await rejects(runIn(f, ['true'], {}, { signal: ac.signal }), isAbort);
    assert.equal(await leftovers(f), { state: [], mounts: [], bundles: [] });
  });

  test('abort right after the start still stops and cleans up', async () => {
    for (const delay of [0, 5, 30]) {
      const ac = new AbortController();
      const run = runIn(f, ['sleep', '100'], {}, { signal: ac.signal });
      setTimeout(() => ac.abort(), delay);
      await rejects(run, isAbort);
    }
    assert.equal(await leftovers(f), { state: [], mounts: [], bundles: [] });
  });

  test('sweep removes what a SIGKILLed kiln process left, and leaves live runs alone', async () => {
    const id = testId('orphan');
    const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'test-child.js'), 'sweep', f.stateDir, f.rootfs, id], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const childOut = new Collector();
    child.stdout.pipe(childOut);
    await waitForText(childOut, 'ready');
    const state = JSON.parse(await readFile(join(f.stateDir, 'runc', id, 'state.json'), 'utf8')) as { init_process_pid: number };
    const pid = state.init_process_pid;
    child.kill('SIGKILL');
    await once(child, 'exit');
    // What the dead process left: a running container, its rootfs mount, its bundle.
    assert.not.ok(await gone(pid, 100), 'the container died with its kiln process');
    assert.equal(await mountPointsUnder(join(f.stateDir, 'bundles', id)), [join(f.stateDir, 'bundles', id, 'rootfs')]);

    const liveOut = new Collector();
    const ac = new AbortController();
    const live = runIn(f, ['sh', '-c', 'echo live; sleep 100'], { id: 'live' }, { signal: ac.signal, stdout: liveOut });
    await waitForText(liveOut, 'live');

    const report = await f.executor.sweep();
    assert.equal(report, { bundles: [id], containers: [id], failures: [] });
    assert.ok(await gone(pid), 'the orphaned container still runs');
    assert.not.ok(existsSync(join(f.stateDir, 'bundles', id)));
    assert.equal(await mountPointsUnder(join(f.stateDir, 'bundles', id)), []);
    // The live run is untouched: still running, still mounted.
    assert.equal((await readdir(join(f.stateDir, 'runc'))).length, 1);
    assert.is((await mountPointsUnder(join(f.stateDir, 'bundles'))).length, 1);
    ac.abort();
    await rejects(live, isAbort);
    assert.equal(await f.executor.sweep(), { bundles: [], containers: [], failures: [] });
  });

  test.run();
}
