import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveRegistryHost } from './host.js';
import { redactUrl } from './errors.js';

test('docker.io is served at registry-1.docker.io over https', () => {
  assert.equal(resolveRegistryHost('docker.io'), { name: 'docker.io', baseUrl: 'https://registry-1.docker.io', insecure: false });
  assert.is(resolveRegistryHost('index.docker.io').baseUrl, 'https://registry-1.docker.io');
});

test('loopback hosts speak plain http; other hosts https', () => {
  for (const h of ['localhost:5000', 'localhost', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) assert.ok(resolveRegistryHost(h).baseUrl.startsWith('http://'), h);
  for (const h of ['ghcr.io', 'registry.example.com:5000', '128.0.0.1:5000', '10.0.0.1']) assert.ok(resolveRegistryHost(h).baseUrl.startsWith('https://'), h);
});

test('--insecure-registry matches host:port or host', () => {
  assert.is(resolveRegistryHost('reg.lan:5000', { insecureRegistries: ['reg.lan:5000'] }).baseUrl, 'http://reg.lan:5000');
  assert.is(resolveRegistryHost('reg.lan:5000', { insecureRegistries: ['reg.lan'] }).baseUrl, 'http://reg.lan:5000');
  assert.is(resolveRegistryHost('reg.lan:5000', { insecureRegistries: ['other'] }).baseUrl, 'https://reg.lan:5000');
});

test('redactUrl drops user info and the query', () => {
  assert.is(redactUrl('https://u:secret@h/v2/x/blobs/uploads/abc?_state=tok&digest=sha256:1'), 'https://h/v2/x/blobs/uploads/abc');
});

test.run();
