import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkName, newId, randomName, resolveRef } from './names.js';

const test = suite('container ids and names');
const a = { id: `abc1${'0'.repeat(60)}`, name: 'web' };
const b = { id: `abc2${'0'.repeat(60)}`, name: 'db' };
const c = { id: `${'f'.repeat(64)}`, name: 'abc1' };

test('full id, then name, then a unique prefix', () => {
  assert.is(resolveRef(a.id, [a, b, c]), a.id);
  assert.is(resolveRef('web', [a, b, c]), a.id);
  assert.is(resolveRef('/db', [a, b, c]), b.id);
  // A name wins over an id prefix, as in docker.
  assert.is(resolveRef('abc1', [a, b, c]), c.id);
  assert.is(resolveRef('abc2', [a, b, c]), b.id);
  assert.throws(() => resolveRef('abc', [a, b, c]), /container id prefix "abc" is ambiguous: it matches 2 containers/);
  assert.throws(() => resolveRef('nope', [a, b, c]), /no such container: nope/);
  assert.throws(() => resolveRef('', [a]), /container name or id is empty/);
});

test('ids are 64 hex; names follow docker; random names are valid names', () => {
  assert.match(newId(), /^[0-9a-f]{64}$/);
  assert.is.not(newId(), newId());
  assert.is(checkName('/web.1_a-b'), 'web.1_a-b');
  assert.throws(() => checkName('-bad'), /invalid container name "-bad"/);
  assert.throws(() => checkName('a/b'), /invalid container name/);
  for (let i = 0; i < 5; i++) {
    const n = randomName(i);
    assert.is(checkName(n), n);
  }
  assert.match(randomName(0), /^[a-z]+_[a-z]+$/);
  assert.match(randomName(5), /^[a-z]+_[a-z]+\d$/);
});

test.run();
