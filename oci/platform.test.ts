import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../util/errors.js';
import { formatPlatform, parsePlatform } from './platform.js';

const host = { os: 'linux', architecture: 'amd64' };

test('platforms read and print like containerd', () => {
  assert.equal(parsePlatform('linux/arm64/v8', host), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.equal(parsePlatform('Linux/x86_64', host), { os: 'linux', architecture: 'amd64' });
  assert.equal(parsePlatform('arm64', host), { os: 'linux', architecture: 'arm64' });
  assert.equal(parsePlatform('linux', host), host);
  assert.is(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
});

test('the defaults fill only what the text leaves out', () => {
  const arm = { os: 'linux', architecture: 'arm', variant: 'v7' };
  assert.equal(parsePlatform('linux', arm), arm);
  assert.equal(parsePlatform('windows', arm), { os: 'windows', architecture: 'arm' });
  assert.equal(parsePlatform('linux/amd64', arm), host);
});

test('every bad value is an InvalidArgumentError naming it', () => {
  for (const [bad, why] of [['linux/', 'invalid platform'], ['a/b/c/d', 'invalid platform'], ['linux/am d64', 'invalid platform'], ['', 'invalid platform'], ['plan10/amd64', 'unknown operating system']] as const) {
    try {
      parsePlatform(bad, host);
      assert.unreachable(`${bad} was accepted`);
    } catch (err) {
      assert.instance(err, InvalidArgumentError, bad);
      assert.match((err as Error).message, `"${bad}": ${why}`);
    }
  }
});

test.run();
