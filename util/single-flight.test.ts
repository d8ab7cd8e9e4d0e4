import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SingleFlight } from './single-flight.js';
import { rejects } from './test-assert.js';

const test = suite('SingleFlight');

/** Work that counts its runs, waits `ms` (abortably) and records whether it was aborted. */
function work(ms: number) {
  const w = {
    runs: 0,
    aborted: false,
    fn: async (signal: AbortSignal): Promise<string> => {
      w.runs++;
      try {
        await sleep(ms, undefined, { signal });
      } catch (err) {
        w.aborted = true;
        throw err;
      }
      return `done ${w.runs}`;
    },
  };
  return w;
}

test('concurrent calls for one key share one run; other keys run on their own', async () => {
  const sf = new SingleFlight<string, string>();
  const w = work(20);
  const other = work(20);
  const all = await Promise.all([sf.do('k', w.fn), sf.do('k', w.fn), sf.do('k', w.fn), sf.do('j', other.fn)]);
  assert.equal(all, ['done 1', 'done 1', 'done 1', 'done 1']);
  assert.equal([w.runs, other.runs], [1, 1]);
  assert.is(await sf.do('k', w.fn), 'done 2', 'a settled flight is not reused');
});

test('a failure reaches every caller', async () => {
  const sf = new SingleFlight<string, string>();
  const fn = async (): Promise<string> => {
    await sleep(5);
    throw new Error('boom');
  };
  await Promise.all([rejects(sf.do('k', fn), /boom/), rejects(sf.do('k', fn), /boom/)]);
});

test('one caller leaving does not stop the work another waits for', async () => {
  const sf = new SingleFlight<string, string>();
  const w = work(60);
  const leaving = new AbortController();
  const first = sf.do('k', w.fn, leaving.signal);
  let secondDone = false;
  const second = sf.do('k', w.fn, new AbortController().signal).finally(() => {
    secondDone = true;
  });
  setTimeout(() => leaving.abort(new Error('bye')), 10);
  await rejects(first, /bye/);
  assert.not.ok(secondDone, 'the leaver is not kept waiting for the work');
  assert.is(await second, 'done 1');
  assert.is(w.aborted, false);
});

test('when every caller has left, the work is aborted; pending() shows it until it stops', async () => {
  const sf = new SingleFlight<string, string>();
  const w = work(5000);
  const a = new AbortController();
  const b = new AbortController();
  const pa = sf.do('k', w.fn, a.signal);
  const pb = sf.do('k', w.fn, b.signal);
  await sleep(5);
  a.abort(new Error('a left'));
  assert.is(sf.pending()[0]?.signal.aborted, false);
  b.abort(new Error('b left'));
  await Promise.all([rejects(pa, /a left/), rejects(pb, /b left/)]);
  const [flight] = sf.pending();
  assert.ok(flight?.signal.aborted);
  await flight.done;
  assert.ok(w.aborted);
  assert.equal(sf.pending(), []);
});

test('a caller without a signal keeps the work alive; an aborted flight is not joined', async () => {
  const sf = new SingleFlight<string, string>();
  const w = work(30);
  const a = new AbortController();
  const pa = sf.do('k', w.fn, a.signal);
  const forever = sf.do('k', w.fn);
  a.abort(new Error('a left'));
  await rejects(pa, /a left/);
  assert.is(await forever, 'done 1');
  const slow = work(5000);
  const c = new AbortController();
  const pc = sf.do('s', slow.fn, c.signal);
  await sleep(5);
  c.abort(new Error('c left'));
  await rejects(pc, /c left/);
  assert.is(await sf.do('s', async () => 'fresh'), 'fresh', 'a new caller starts a new flight');
  await rejects(sf.do('s', slow.fn, AbortSignal.abort(new Error('already'))), /already/);
});

test.run();
