// Telling the initial user namespace from another one by /proc/self/uid_map.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inUserNamespace } from './rootless.js';

const test = suite('rootless: user namespace');

test('the identity map of all ids is the initial namespace; anything else is not', () => {
  assert.is(inUserNamespace('         0          0 4294967295\n'), false);
  assert.is(inUserNamespace('         0       1001          1\n         1     100000      65535\n'), true);
  assert.is(inUserNamespace('         0       1001          1\n'), true);
});

test.run();
