import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { familiarName, normalizeName, parseReference } from './reference.js';
import { InvalidArgumentError } from '../../util/errors.js';

const test = suite('reference: docker normalization');

test('short names get docker.io/library and latest', () => {
  assert.is(normalizeName('app'), 'docker.io/library/app:latest');
  assert.is(normalizeName('user/app:1.2'), 'docker.io/user/app:1.2');
  assert.is(normalizeName('index.docker.io/library/busybox'), 'docker.io/library/busybox:latest');
  assert.is(normalizeName('localhost:5000/x'), 'localhost:5000/x:latest');
  assert.is(normalizeName('localhost/x:y'), 'localhost/x:y');
  assert.is(normalizeName('ghcr.io/o/r/deep:tag'), 'ghcr.io/o/r/deep:tag');
  assert.is(normalizeName('127.0.0.1:5000/a/b'), '127.0.0.1:5000/a/b:latest');
  const d = `sha256:${'a'.repeat(64)}`;
  assert.is(normalizeName(`app@${d}`), `docker.io/library/app@${d}`);
  assert.is(normalizeName(`app:1@${d}`), `docker.io/library/app:1@${d}`);
});

test('familiar names strip the defaults', () => {
  assert.is(familiarName(parseReference('docker.io/library/app:latest')), 'app:latest');
  assert.is(familiarName(parseReference('docker.io/user/app:1')), 'user/app:1');
  assert.is(familiarName(parseReference('localhost:5000/x')), 'localhost:5000/x:latest');
});

test('invalid references are refused with the reference named', () => {
  for (const bad of ['', 'App', 'a:b:c', 'a/:x', 'a@sha256:xyz', 'a:-tag', 'a//b', 'Upper/X']) {
    try {
      parseReference(bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (err) {
      assert.instance(err, InvalidArgumentError);
      assert.ok((err as Error).message.includes(JSON.stringify(bad)), (err as Error).message);
    }
  }
});

test.run();
