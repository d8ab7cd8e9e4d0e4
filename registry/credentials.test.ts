import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lookupCredentials, removeCredentials, storeCredentials } from './credentials.js';

let dir = '';
let env: NodeJS.ProcessEnv = {};
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const config = (c: unknown): Promise<void> => writeFile(join(dir, 'config.json'), JSON.stringify(c));

test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-test-creds-'));
  await mkdir(join(dir, 'bin'));
  // A fake helper: knows one server, logs what it was asked.
  const helper = `#!/bin/sh\nread url\necho "$1 $url" >> ${join(dir, 'helper.log')}\nif [ "$url" = "helped.example:5000" ] || [ "$url" = "https://index.docker.io/v1/" ]; then echo '{"ServerURL":"'$url'","Username":"hu","Secret":"hs"}'; else echo "credentials not found in native keychain"; exit 1; fi\n`;
  await writeFile(join(dir, 'bin', 'docker-credential-fake'), helper);
  await chmod(join(dir, 'bin', 'docker-credential-fake'), 0o755);
  env = { DOCKER_CONFIG: dir, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` };
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('auths: base64 auth, username/password, URL-form keys, Docker Hub key', async () => {
  await config({ auths: { 'r.example': { auth: b64('u:p:with:colons') }, 'https://s.example/v1/': { username: 'su', password: 'sp' }, 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } });
  assert.equal(await lookupCredentials('r.example', env), { username: 'u', password: 'p:with:colons' });
  assert.equal(await lookupCredentials('s.example', env), { username: 'su', password: 'sp' });
  assert.equal(await lookupCredentials('docker.io', env), { username: 'hub', password: 'pw' });
  assert.is(await lookupCredentials('none.example', env), undefined);
});

test('credHelpers win over auths; credsStore is the fallback; "not found" is no credentials', async () => {
  await config({ auths: { 'helped.example:5000': { auth: b64('file:pw') } }, credHelpers: { 'helped.example:5000': 'fake' } });
  assert.equal(await lookupCredentials('helped.example:5000', env), { username: 'hu', password: 'hs' });
  await config({ credsStore: 'fake' });
  assert.equal(await lookupCredentials('docker.io', env), { username: 'hu', password: 'hs' });
  assert.is(await lookupCredentials('other.example', env), undefined);
  assert.match(await readFile(join(dir, 'helper.log'), 'utf8'), /^get helped.example:5000\nget https:\/\/index.docker.io\/v1\/\nget other.example\n$/);
});

test('a missing config means no credentials; a missing helper is a clear error', async () => {
  assert.is(await lookupCredentials('r.example', env), undefined);
  await config({ credsStore: 'absent' });
  try {
    await lookupCredentials('r.example', env);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /docker-credential-absent: cannot run it/);
  }
});

test('store keeps other fields and writes 0600; remove deletes every key of the host', async () => {
  await config({ auths: { 'https://r.example/v1/': { auth: b64('old:x') } }, credsStore: '', other: 1 });
  await storeCredentials('q.example', { username: 'a', password: 'b' }, env);
  const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  assert.is(saved.other, 1);
  assert.is(saved.auths['q.example'].auth, b64('a:b'));
  assert.is((await stat(join(dir, 'config.json'))).mode & 0o777, 0o600);
  assert.ok(await removeCredentials('r.example', env));
  assert.not.ok(await removeCredentials('r.example', env));
  assert.equal(Object.keys(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).auths), ['q.example']);
});

test.run();
