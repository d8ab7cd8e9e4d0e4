// Bundle owners: a live process is recognised; a dead pid, a recycled pid
// (other start time) and another boot are not.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { zombieProcess } from '../util/test-process.js';
import { isAlive, selfIdentity, startTime } from './owner.js';

const test = suite('owner identity');

test('this process is alive; the same pid with another start time or boot is not', async () => {
  const me = await selfIdentity();
  assert.is(me.pid, process.pid);
  assert.match(me.start, /^\d+$/);
  assert.match(me.boot, /^[0-9a-f-]{36}$/);
  assert.ok(await isAlive(me));
  assert.not.ok(await isAlive({ ...me, start: `${Number(me.start) + 1}` }));
  assert.not.ok(await isAlive({ ...me, boot: '00000000-0000-0000-0000-000000000000' }));
});

test('a process that exited is dead', async () => {
  const child = spawn('sleep', ['0.05']);
  const exited = once(child, 'exit');
  const pid = child.pid ?? 0;
  const start = (await startTime(pid)) ?? 'gone already';
  await exited;
  await new Promise((r) => setTimeout(r, 20));
  assert.not.ok(await isAlive({ boot: (await selfIdentity()).boot, pid, start }));
  assert.is(await startTime(2 ** 22 + 1), undefined);
});

test('a killed process its parent has not reaped (a zombie) is dead', async () => {
  const z = await zombieProcess();
  try {
    const start = z.identity.split(':')[1] ?? '';
    assert.is(await startTime(z.pid), undefined);
    assert.not.ok(await isAlive({ boot: (await selfIdentity()).boot, pid: z.pid, start }));
  } finally {
    await z.done();
  }
});

test.run();
