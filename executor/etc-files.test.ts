// /etc/hosts, /etc/resolv.conf, /etc/hostname for each network mode.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { etcFiles } from './etc-files.js';

const test = suite('etcFiles');
const host = { hosts: '127.0.0.1 localhost\n10.0.0.5 build-host', resolvConf: 'nameserver 10.0.0.1\n' };

test('network none: only localhost and the container\'s own name, no name servers', () => {
  const f = etcFiles('none', 'box', host);
  assert.ok(f.hosts.startsWith('127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'));
  assert.ok(f.hosts.endsWith('127.0.0.1\tbox\n'));
  assert.not.ok(f.hosts.includes('build-host'));
  assert.is(f.resolvConf, '');
  assert.is(f.hostname, 'box\n');
});

test('network host: the host\'s hosts plus the container\'s name, the host\'s resolv.conf', () => {
  const f = etcFiles('host', 'box', host);
  assert.is(f.hosts, '127.0.0.1 localhost\n10.0.0.5 build-host\n127.0.0.1\tbox\n');
  assert.is(f.resolvConf, host.resolvConf);
  assert.ok(etcFiles('host', 'box', { hosts: '', resolvConf: '' }).hosts.startsWith('127.0.0.1\tlocalhost\n'));
});

test.run();
