// COPY sources resolve through the one root-confined resolver: the shared
// hostile table, plus what only a source tree does (missing sources fail).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError, NotFoundError } from '../../util/errors.js';
import { HOSTILE_CASES, hostileRoot, type HostileRoot } from '../../util/test-root-cases.js';
import { SourceTree } from './tree.js';

const test = suite('SourceTree.resolve');
let h: HostileRoot | undefined;

test.before(async () => {
  h = await hostileRoot();
});

test.after(async () => {
  await h?.remove();
});

function tree(): SourceTree {
  if (h === undefined) throw new Error('no sandbox');
  return new SourceTree(h.root);
}

test('the shared hostile table: every case lands inside the root or is a loop', () => {
  for (const c of HOSTILE_CASES) {
    if (c.lands !== 'loop') {
      assert.is(tree().resolve(c.path), c.lands, c.path);
      continue;
    }
    assert.throws(() => tree().resolve(c.path), (e: unknown) => e instanceof FailedPreconditionError, c.path);
  }
});

test('a source that is missing, or below a file, is not found with its path', () => {
  assert.throws(() => tree().resolve('/up/nope'), (e: unknown) => e instanceof NotFoundError && e.message === '"/outside/nope": not found');
  assert.throws(() => tree().resolve('/outside/secret/x'), (e: unknown) => e instanceof NotFoundError && e.message === '"/outside/secret": not a directory');
});

test('followLast: false keeps a final symlink', () => {
  assert.is(tree().resolve('/nested/back', false), 'nested/back');
  assert.is(tree().resolve('/chain/../nested/back', false), 'nested/back');
});

test.run();
