import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ownCgroupDirs, sandboxCgroupsPath, sandboxDirs } from './cgroups.js';

const MOUNTINFO = [
  '30 25 0:26 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory',
  '31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct',
  '32 25 0:28 / /sys/fs/cgroup/unified rw,relatime shared:11 - cgroup2 cgroup2 rw',
  '33 25 0:29 / /sys/fs/cgroup/systemd rw,relatime shared:12 - cgroup cgroup rw,name=systemd',
].join('\n');

test('hybrid layout: each hierarchy\'s directory of this process, v1 by controllers and v2', () => {
  const dirs = ownCgroupDirs('4:memory:/jobs/a\n2:cpu,cpuacct:/\n1:name=systemd:/user.slice\n0::/x\n', MOUNTINFO);
  assert.equal(dirs, [
    { version: 1, controllers: ['memory'], dir: '/sys/fs/cgroup/memory/jobs/a', mount: '/sys/fs/cgroup/memory', path: '/jobs/a' },
    { version: 1, controllers: ['cpu', 'cpuacct'], dir: '/sys/fs/cgroup/cpu,cpuacct', mount: '/sys/fs/cgroup/cpu,cpuacct', path: '/' },
    { version: 1, controllers: ['name=systemd'], dir: '/sys/fs/cgroup/systemd/user.slice', mount: '/sys/fs/cgroup/systemd', path: '/user.slice' },
    { version: 2, controllers: [], dir: '/sys/fs/cgroup/unified/x', mount: '/sys/fs/cgroup/unified', path: '/x' },
  ]);
});

test('pure v2, and a mount whose root is below the path (a container\'s view)', () => {
  const v2 = '40 1 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw';
  assert.equal(ownCgroupDirs('0::/system.slice/kiln.service\n', v2), [{ version: 2, controllers: [], dir: '/sys/fs/cgroup/system.slice/kiln.service', mount: '/sys/fs/cgroup', path: '/system.slice/kiln.service' }]);
  const nested = '40 1 0:30 /ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw';
  assert.equal(ownCgroupDirs('0::/ctr/sub\n', nested), [{ version: 2, controllers: [], dir: '/sys/fs/cgroup/sub', mount: '/sys/fs/cgroup', path: '/sub' }]);
  assert.equal(ownCgroupDirs('0::/elsewhere\n', nested), []);
});

test('sandbox placement: relative for runc; for crun anchored at the memory cgroup in every hierarchy', () => {
  const dirs = ownCgroupDirs('4:memory:/jobs/a\n2:cpu,cpuacct:/\n0::/x\n', MOUNTINFO);
  assert.is(sandboxCgroupsPath('c1', dirs, 'relative'), 'kiln-c1/c1');
  assert.equal(sandboxDirs('c1', dirs, 'relative'), ['/sys/fs/cgroup/memory/jobs/a/kiln-c1', '/sys/fs/cgroup/cpu,cpuacct/kiln-c1', '/sys/fs/cgroup/unified/x/kiln-c1']);
  assert.is(sandboxCgroupsPath('c1', dirs, 'anchored'), '/jobs/a/kiln-c1/c1');
  assert.equal(sandboxDirs('c1', dirs, 'anchored'), ['/sys/fs/cgroup/memory/jobs/a/kiln-c1', '/sys/fs/cgroup/cpu,cpuacct/jobs/a/kiln-c1', '/sys/fs/cgroup/unified/jobs/a/kiln-c1']);
});

test.run();
