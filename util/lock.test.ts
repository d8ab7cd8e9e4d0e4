import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withLock } from './lock.js';

const test = suite('withLock');

test('waiters that find a dead owner\'s lock take it over one at a time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-lock-'));
  try {
    const path = join(dir, 'x.lock');
    for (let round = 0; round < 20; round++) {
      // A pid that cannot exist on Linux (above pid_max's ceiling): its lock is stale.
      await writeFile(path, '4194305:1');
      let inside = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 6 }, () =>
          withLock(path, async () => {
            inside++;
            most = Math.max(most, inside);
            await new Promise((r) => setImmediate(r));
            inside--;
          }),
        ),
      );
      assert.is(most, 1, `round ${round}: two holders at once`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a lock is never seen empty; an empty one left long ago by an older kiln is taken over, a fresh one waited for', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-lock-'));
  try {
    const path = join(dir, 'gc.lock');
    await writeFile(path, '');
    const fresh = await withLock(path, async () => 'taken', { timeoutMs: 200 }).catch((err: Error) => err.message);
    assert.match(fresh, /is held by pid \?/, 'a just-made empty lock may be being written: wait');
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const seen: string[] = [];
    assert.is(await withLock(path, async () => { seen.push(...(await readdir(dir))); return 'taken'; }, { timeoutMs: 200 }), 'taken');
    assert.equal(seen, ['gc.lock'], 'only the lock itself while held: its temp file is gone');
    assert.equal(await readdir(dir), [], 'released, nothing left beside it');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
