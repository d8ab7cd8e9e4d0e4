// Owner tags in names, and what counts as a live owner.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isAlive, processIdentity } from './lock.js';
import { ownedName, parseOwnedName, selfTag, tagAlive } from './owner-tag.js';
import { deadProcessTag, zombieProcess } from './test-process.js';

const test = suite('owner tags');

test("a name made by this process parses back as alive, with its rest; a dead process's as dead", async () => {
  const name = ownedName('.rm-', 'abcdefgh');
  assert.is(name, `.rm-${selfTag()}-abcdefgh`);
  assert.equal(parseOwnedName('.rm-', name), { alive: true, rest: 'abcdefgh' });
  const dead = await deadProcessTag();
  assert.equal(parseOwnedName('.new-', `.new-${dead}-x-y`), { alive: false, rest: 'x-y' });
  assert.is(tagAlive(selfTag()), true);
  assert.is(tagAlive(dead), false);
});

test('other names are not tags', () => {
  for (const name of ['kiln-run-abc', '12-', '-12-3', '12-34x', 'abcdefgh']) assert.is(tagAlive(name), undefined, name);
  for (const name of ['.rm-abcdefgh', '.rm-12-34', '.new-12-34-x', 'x.rm-12-34-y']) assert.is(parseOwnedName('.rm-', name), undefined, name);
});

test('a killed process its parent has not reaped yet (a zombie) is not alive', async () => {
  const z = await zombieProcess();
  try {
    assert.is(processIdentity(z.pid), undefined);
    assert.not.ok(isAlive(z.identity));
    assert.is(tagAlive(z.identity.replace(':', '-')), false);
  } finally {
    await z.done();
  }
});

test.run();
