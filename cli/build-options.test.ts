import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../util/errors.js';
import { buildPlatform, parseOutput } from './build-options.js';

const host = { os: 'linux', architecture: 'amd64' };

test('--platform goes through the one parser: aliases and host defaults apply', () => {
  assert.equal(buildPlatform(undefined, host), host);
  assert.equal(buildPlatform('linux', host), host);
  assert.equal(buildPlatform('Linux/x86_64', host), host);
});

test('--platform rejects bad and foreign platforms with InvalidArgumentError', () => {
  assert.throws(() => buildPlatform('linux/', host), (e: unknown) => e instanceof InvalidArgumentError && /^invalid --platform: "linux\/": invalid platform/.test(e.message));
  assert.throws(() => buildPlatform('linux/arm64', host), (e: unknown) => e instanceof InvalidArgumentError && /cross-platform builds are not implemented/.test(e.message));
});

test('-o type=registry is an image output that is pushed (buildx), as is type=image,push=true', () => {
  assert.equal(parseOutput('type=registry'), { type: 'image', push: true });
  assert.equal(parseOutput('type=image,push=true'), { type: 'image', push: true });
  assert.equal(parseOutput('type=image'), { type: 'image' });
  assert.throws(() => parseOutput('type=registry,name=x/y:1'), (e: unknown) => e instanceof InvalidArgumentError && /name the image with -t/.test(e.message));
});

test.run();
