import { writeFile } from 'node:fs/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError, NoSpaceError, NotFoundError } from './errors.js';
import { asNoSpace, isNoSpace, whileWriting } from './no-space.js';

const test = suite('no space');

/** A real ENOSPC from the kernel: /dev/full refuses every write with it. */
async function enospc(): Promise<Error> {
  try {
    await writeFile('/dev/full', 'x');
  } catch (err) {
    return err as Error;
  }
  throw new Error('/dev/full accepted a write');
}

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: failed`), { code });
}

test('ENOSPC and EDQUOT are found through causes and aggregate members; other errors are not', async () => {
  const full = await enospc();
  assert.is((full as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.ok(isNoSpace(full));
  assert.ok(isNoSpace(new Error('step failed', { cause: new Error('copy failed', { cause: full }) })));
  assert.ok(isNoSpace(new AggregateError([new Error('other'), errno('EDQUOT')])));
  assert.not.ok(isNoSpace(errno('EACCES')));
  assert.not.ok(isNoSpace(new NotFoundError('image x: not found')));
  assert.not.ok(isNoSpace('ENOSPC'));
});

test('whileWriting turns a full disk into one line naming the work and the root, keeps the class and the cause', async () => {
  const full = await enospc();
  const err = await whileWriting('/var/lib/kiln', 'copying files for [2/2] COPY big /big', async () => {
    throw full;
  }).then(() => undefined, (e: unknown) => e);
  assert.instance(err, NoSpaceError);
  assert.instance(err, FailedPreconditionError);
  assert.is((err as NoSpaceError).message, 'no space left on device while copying files for [2/2] COPY big /big, free space under /var/lib/kiln');
  assert.is((err as NoSpaceError).cause, full);
});

test('the innermost description wins; other errors pass through untouched', async () => {
  const inner = new NoSpaceError('writing the layer of [3/4] RUN make', '/r');
  const outer = asNoSpace(new Error('vertex failed', { cause: inner }), '/r', 'building [3/4] RUN make');
  assert.is(outer, inner);
  const other = errno('EIO');
  assert.is(await whileWriting('/r', 'x', () => Promise.reject(other)).catch((e: unknown) => e), other);
  assert.is(await whileWriting('/r', 'x', async () => 42), 42);
});

test.run();
