// toRuntimeSpec for a rootless kiln (uid 0 of its own user namespace): what a
// user namespace cannot have is left out or bound instead.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OciSpec } from './oci.js';
import { toRuntimeSpec, type SpecContext } from './spec.js';
import type { RunSpec } from './types.js';

const test = suite('spec: rootless');

const ctx: SpecContext = {
  rootfsPath: '/state/bundles/c1/rootfs',
  user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
  hostsPath: '/state/bundles/c1/hosts',
  resolvPath: '/state/bundles/c1/resolv.conf',
  hostnamePath: '/state/bundles/c1/hostname',
  arch: 'x64',
  cgroupsPath: 'kiln-c1/c1',
};
const base: RunSpec = { id: 'c1', rootfs: [], args: ['/bin/sh', '-c', 'true'], env: [], network: 'none', limits: { pids: 10 } };
const make = (over: Partial<RunSpec>, c: Partial<SpecContext>): OciSpec => toRuntimeSpec({ ...base, ...over }, { ...ctx, ...c });
const mount = (s: OciSpec, dest: string) => s.mounts.find((m) => m.destination === dest);

test('rootless: no cgroup resources, device rules or cgroups path; root keeps them', () => {
  const rl = make({}, { rootless: 'range' });
  assert.equal(rl.linux.resources, { devices: [] });
  assert.is(rl.linux.cgroupsPath, undefined);
  const root = make({}, {});
  assert.ok(root.linux.resources.devices.length > 0);
  assert.equal(root.linux.resources.pids, { limit: 10 });
  assert.is(root.linux.cgroupsPath, 'kiln-c1/c1');
});

test('rootless with the host network binds /sys read-only; with its own network it mounts sysfs as root does', () => {
  assert.equal(mount(make({ network: 'host' }, { rootless: 'range' }), '/sys'), {
    destination: '/sys',
    type: 'bind',
    source: '/sys',
    options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
  });
  assert.is(mount(make({ network: 'none' }, { rootless: 'range' }), '/sys')?.type, 'sysfs');
  assert.is(mount(make({ network: 'host' }, {}), '/sys')?.type, 'sysfs');
});

test('only the user mapped: devpts without gid=5 (an unmapped group); with a range it stays', () => {
  assert.not.ok(mount(make({}, { rootless: 'self' }), '/dev/pts')?.options?.some((o) => o.startsWith('gid=')));
  assert.ok(mount(make({}, { rootless: 'range' }), '/dev/pts')?.options?.includes('gid=5'));
});

test('never a user namespace in the spec: the container shares kiln\'s', () => {
  assert.not.ok(make({}, { rootless: 'range' }).linux.namespaces.some((n) => n.type === 'user'));
});

test.run();
