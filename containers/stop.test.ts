// `kiln stop`/`rm -f` against a fake runtime: SIGKILL is repeated until the
// supervisor records the container stopped, and a runtime that can never
// deliver the signal is reported instead of retried forever.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OciRuntimeExecutor } from '../executor/index.js';
import type { ImageStore } from '../store/index.js';
import { selfTag } from '../util/owner-tag.js';
import { Containers } from './containers.js';
import type { ContainerRecord, ContainerState } from './types.js';

const test = suite('stop');
let dir = '';

const ID = 'a'.repeat(64);
const record: ContainerRecord = {
  id: ID,
  name: 'web',
  created: '2026-12-05T00:00:00Z',
  image: { ref: 'bb', id: `sha256:${'b'.repeat(64)}` },
  snapshot: 'snap',
  process: { args: ['sleep', '1000'], env: [], cwd: '/' },
  mounts: [],
  network: { mode: 'none' } as ContainerRecord['network'],
  tty: false,
  interactive: false,
  autoRemove: false,
  restart: { name: 'no' },
  log: {} as ContainerRecord['log'],
  labels: {},
  stopSignal: 'SIGTERM',
  stopTimeout: 10,
};
const running: ContainerState = { status: 'running', supervisor: selfTag(), startedAt: record.created, finishedAt: '', exitCode: 0, error: '', restartCount: 0 };

/** Containers over `dir` whose runtime answers signals with `signal`. */
function containers(signal: (c: Containers, sig: string) => Promise<boolean>): Containers {
  const c: Containers = new Containers({
    dir: join(dir, 'containers'),
    images: {} as ImageStore,
    snapshotter: () => Promise.reject(new Error('no snapshotter in this test')),
    executor: async () => ({ signal: (_id: string, sig: string) => signal(c, sig) }) as unknown as OciRuntimeExecutor,
    tmpDir: async () => dir,
    networkDir: join(dir, 'network'),
    volumesDir: join(dir, 'volumes'),
    supervisorArgv: () => ['false'],
  });
  return c;
}

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-test-stop-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('SIGKILL is repeated until the container is recorded stopped', async () => {
  const sent: string[] = [];
  const c = containers(async (self, sig) => {
    sent.push(sig);
    if (sent.length === 3) await self.records.writeState(ID, { ...running, status: 'exited', exitCode: 137 });
    return true;
  });
  await c.records.create(record, running);
  assert.is(await c.stop('web', { timeoutSeconds: 0 }), ID);
  assert.equal(sent, ['SIGKILL', 'SIGKILL', 'SIGKILL']);
});

test('a runtime that cannot signal the container is reported after ten tries, not retried forever', async () => {
  let tries = 0;
  const c = containers(async () => {
    tries++;
    return false;
  });
  await c.records.create(record, running);
  let err: unknown;
  await c.stop('web', { timeoutSeconds: 0 }).catch((e: unknown) => (err = e));
  assert.match(String(err), /cannot stop container web: the runtime cannot signal it/);
  assert.is(tries, 10);
  assert.is((await c.get('web')).state.status, 'running');
});

test.run();
