import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostLimits, parseAddHost, parseUlimit } from './buildx-run-flags.js';

const LIMITS = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\nMax core file size        0                    unlimited            bytes\n';
const status = (capEff: string): string => `Name:\\tkiln\nCapEff:\\t${capEff}\n`.replace(/\\t/g, '\t');

test('--ulimit: lowering is allowed; raising above the hard limit only with CAP_SYS_RESOURCE', () => {
  const without = hostLimits(LIMITS, status('000001fffeffffff'));
  assert.equal(parseUlimit('nofile=512', without), { type: 'RLIMIT_NOFILE', soft: 512, hard: 512 });
  assert.equal(parseUlimit('nofile=100:4096', without), { type: 'RLIMIT_NOFILE', soft: 100, hard: 4096 });
  assert.throws(() => parseUlimit('nofile=100:4097', without), /above kiln's own hard limit 4096/);
  assert.equal(parseUlimit('core=1000000', without).hard, 1000000, 'an unlimited hard limit takes any value');
  const withCap = hostLimits(LIMITS, status('000001ffffffffff'));
  assert.equal(parseUlimit('nofile=8192', withCap), { type: 'RLIMIT_NOFILE', soft: 8192, hard: 8192 });
  assert.throws(() => parseUlimit('nofile=10:5', withCap), /soft limit 10 is above hard limit 5/);
  assert.throws(() => parseUlimit('nofile=-1', withCap), /unlimited \(-1\) is not supported/);
});

test('--add-host: host:ip, host=ip, IPv6 with its colons or brackets', () => {
  assert.equal(parseAddHost('db:10.0.0.2'), { name: 'db', ip: '10.0.0.2' });
  assert.equal(parseAddHost('db=10.0.0.2'), { name: 'db', ip: '10.0.0.2' });
  assert.equal(parseAddHost('v6:fe80::1'), { name: 'v6', ip: 'fe80::1' });
  assert.equal(parseAddHost('v6=[::1]'), { name: 'v6', ip: '::1' });
  assert.throws(() => parseAddHost('gw:host-gateway'), /host-gateway/);
  assert.throws(() => parseAddHost(':1.2.3.4'), /expected host:ip/);
});

test.run();
