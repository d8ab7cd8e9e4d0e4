// kiln run's seccomp profiles and ulimits as a user meets them (bin/kiln, real runc).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture } from '../util/test-kiln.js';

if (e2eReady('kiln run hardening e2e', ['runc'])) {
  const test = suite('kiln run seccomp and ulimit e2e');
  const fx = kilnFixture('hardening');
  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('--security-opt seccomp=FILE: a profile returning EPERM for mkdir/mkdirat refuses mkdir; unconfined has no filter; bad files are named', async () => {
    const profile = join(fx.tmp, 'nomkdir.json');
    await writeFile(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
    const r = fx.kiln(['run', '--rm', '--security-opt', `seccomp=${profile}`, 'bb', 'sh', '-c', 'mkdir /tmp/x; echo rc=$?; touch /tmp/f && echo touched']);
    assert.is(r.stdout, 'rc=1\ntouched\n');
    assert.match(r.stderr, /Operation not permitted/);
    assert.is(fx.ok(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'bb', 'grep', 'Seccomp:', '/proc/self/status']).stdout, 'Seccomp:\t0\n');
    assert.is(fx.ok(['run', '--rm', 'bb', 'grep', 'Seccomp:', '/proc/self/status']).stdout, 'Seccomp:\t2\n');
    const bad = join(fx.tmp, 'bad.json');
    await writeFile(bad, '{"defaultAction":"SCMP_ACT_NOPE"}');
    const refused = fx.kiln(['run', '--rm', '--security-opt', `seccomp=${bad}`, 'bb', 'true']);
    assert.is(refused.code, 125);
    assert.match(refused.stderr, /seccomp profile .*bad\.json: defaultAction: unknown action "SCMP_ACT_NOPE"/);
    assert.match(fx.kiln(['run', '--rm', '--security-opt', 'seccomp=/nope.json', 'bb', 'true']).stderr, /seccomp=\/nope\.json: cannot read the profile \(ENOENT\)/);
  });

  test('--ulimit nofile lowered is what ulimit -n shows inside; raising above the hard limit is refused clearly', () => {
    assert.is(fx.ok(['run', '--rm', '--ulimit', 'nofile=256:512', 'bb', 'sh', '-c', 'ulimit -n; ulimit -Hn']).stdout, '256\n512\n');
    const r = fx.kiln(['run', '--rm', '--ulimit', 'nofile=100000000', 'bb', 'true']);
    assert.is(r.code, 125);
    assert.match(r.stderr, /--ulimit nofile=100000000: 100000000 is above kiln's own hard limit \d+, and raising it needs CAP_SYS_RESOURCE/);
  });

  test.run();
}
