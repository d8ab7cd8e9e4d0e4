import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from '../cache/content/index.js';
import { sha256 } from '../util/digest.js';
import { rejects } from '../util/test-assert.js';
import { claimIngest } from './ingest-claim.js';

const test = suite('claimIngest');
let dir = '';
let store: LocalContentStore;
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-test-claim-'));
  store = new LocalContentStore(dir);
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = Buffer.from('layer bytes');
const digest = sha256(data);

test('a free ref is claimed at once; a stored blob needs no claim', async () => {
  let waits = 0;
  const w = await claimIngest(store, 'layer-x', digest, { onWait: () => waits++ });
  assert.ok(w !== undefined);
  await w.write(data);
  await w.commit({ digest });
  assert.is(await claimIngest(store, 'layer-x', digest), undefined);
  assert.is(waits, 0);
});

test('a held ref is waited for, and the holder’s committed blob is used', async () => {
  const holder = await store.writer({ ref: 'layer-x' });
  let waits = 0;
  const waiter = claimIngest(store, 'layer-x', digest, { onWait: () => waits++ });
  let settled = false;
  void waiter.then(() => (settled = true));
  await sleep(200);
  assert.is(settled, false, 'still waiting while the holder writes');
  await holder.write(data);
  await holder.commit({ digest });
  assert.is(await waiter, undefined);
  assert.is(waits, 1, 'onWait is called once');
});

test('a holder that gives up hands the ref to the waiter', async () => {
  const holder = await store.writer({ ref: 'layer-x' });
  const waiter = claimIngest(store, 'layer-x', digest);
  await sleep(100);
  await holder.abort();
  const w = await waiter;
  assert.ok(w !== undefined, 'the waiter now holds the ref');
  await rejects(store.writer({ ref: 'layer-x' }), /locked/);
  await w.abort();
});

test('waiting ends with the caller’s abort', async () => {
  const holder = await store.writer({ ref: 'layer-x' });
  const ac = new AbortController();
  const waiter = claimIngest(store, 'layer-x', digest, { signal: ac.signal });
  ac.abort(new Error('ctrl-c'));
  await rejects(waiter, /ctrl-c/);
  await holder.abort();
});

test.run();
