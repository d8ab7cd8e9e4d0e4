// --privileged as spec data: what it opens up, and where it is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError } from '../util/errors.js';
import { checkPrivileged, hostCapabilities, privilegedSpec } from './privileged.js';
import { toRuntimeSpec } from './spec.js';

const base = toRuntimeSpec(
  { id: 'c1', rootfs: [], args: ['/bin/sh'], env: [], network: 'none' },
  { rootfsPath: '/r', user: { uid: 0, gid: 0, additionalGids: [], home: '/root' }, hostsPath: '/h', resolvPath: '/rv', hostnamePath: '/hn', arch: 'x64' },
);
const host = { capabilities: hostCapabilities('CapBnd:\t000001fffeffffff\n'), devices: [{ path: '/dev/loop0', type: 'b' as const, major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6 }] };

test('CapBnd is read bit by bit: this host lacks CAP_SYS_RESOURCE (bit 24) and has the other 40', () => {
  assert.is(host.capabilities.length, 40);
  assert.not.ok(host.capabilities.includes('CAP_SYS_RESOURCE'));
  assert.ok(host.capabilities.includes('CAP_SYS_ADMIN'));
  assert.equal(hostCapabilities('CapBnd:\t0000000000000001\n'), ['CAP_CHOWN']);
});

test('privileged: every capability kiln holds, no seccomp, nothing masked or read-only, host devices, rw /sys and cgroupfs', () => {
  const p = privilegedSpec(base, host);
  assert.equal(p.process.capabilities.effective, host.capabilities);
  assert.equal(p.process.capabilities.bounding, host.capabilities);
  assert.is(p.linux.seccomp, undefined);
  assert.equal(p.linux.maskedPaths, []);
  assert.equal(p.linux.readonlyPaths, []);
  assert.equal(p.linux.devices, host.devices);
  assert.equal(p.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
  for (const type of ['sysfs', 'cgroup']) {
    const m = p.mounts.find((x) => x.type === type);
    assert.ok(m?.options?.includes('rw') && !m.options.includes('ro'), `${type} is writable`);
  }
  assert.ok(base.linux.seccomp !== undefined && base.linux.maskedPaths.length > 0, 'the unprivileged spec is untouched');
});

test('--cap-drop still applies to a privileged container', () => {
  const p = privilegedSpec(base, host, ['net_admin']);
  assert.not.ok(p.process.capabilities.effective?.includes('CAP_NET_ADMIN'));
  assert.ok(p.process.capabilities.effective?.includes('CAP_SYS_ADMIN'));
});

test('refused clearly where it cannot be granted: not root, or kiln lacks CAP_SYS_ADMIN', () => {
  assert.throws(() => checkPrivileged(host, 1000), (e: unknown) => e instanceof FailedPreconditionError && /--privileged needs kiln to run as root \(it runs as uid 1000\)/.test(e.message));
  const weak = { ...host, capabilities: host.capabilities.filter((c) => c !== 'CAP_SYS_ADMIN') };
  assert.throws(() => checkPrivileged(weak, 0), /kiln itself lacks CAP_SYS_ADMIN/);
  checkPrivileged(host, 0);
});

test.run();
