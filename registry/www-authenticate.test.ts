import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseWwwAuthenticate } from './www-authenticate.js';

test('Docker Hub bearer challenge: realm, service and scope', () => {
  const h = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"';
  assert.equal(parseWwwAuthenticate(h), [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' } }]);
});

test('basic challenge, case-insensitive names, escapes and unquoted values', () => {
  assert.equal(parseWwwAuthenticate('Basic realm="a \\"q\\" realm"'), [{ scheme: 'basic', params: { realm: 'a "q" realm' } }]);
  assert.equal(parseWwwAuthenticate('BEARER Realm=https://x/token, Service=reg'), [{ scheme: 'bearer', params: { realm: 'https://x/token', service: 'reg' } }]);
});

test('several challenges in one header; a scope with commas stays whole', () => {
  const h = 'Basic realm="r", Bearer realm="https://t/token",scope="repository:a:pull,push"';
  const got = parseWwwAuthenticate(h);
  assert.is(got.length, 2);
  assert.is(got[1]?.params.scope, 'repository:a:pull,push');
});

test('empty or garbage headers give no challenge', () => {
  assert.equal(parseWwwAuthenticate(''), []);
  assert.equal(parseWwwAuthenticate('==='), []);
});

test.run();
