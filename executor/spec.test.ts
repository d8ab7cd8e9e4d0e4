// toRuntimeSpec: the OCI config kiln hands to runc/crun, checked against
// Docker's defaults for a non-privileged container.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../util/errors.js';
import type { OciSpec } from './oci.js';
import { containerEnv, containerHostname, toRuntimeSpec, type SpecContext } from './spec.js';
import type { RunSpec } from './types.js';

const root = { uid: 0, gid: 0, additionalGids: [], home: '/root' };
const app = { uid: 1000, gid: 1000, additionalGids: [2000], home: '/home/app' };
const ctx: SpecContext = {
  rootfsPath: '/state/bundles/c1/rootfs',
  user: root,
  hostsPath: '/state/bundles/c1/hosts',
  resolvPath: '/state/bundles/c1/resolv.conf',
  hostnamePath: '/state/bundles/c1/hostname',
  arch: 'x64',
};
const base: RunSpec = { id: 'c1', rootfs: [], args: ['/bin/sh', '-c', 'true'], env: [], network: 'none' };
const make = (over: Partial<RunSpec> = {}, c: Partial<SpecContext> = {}): OciSpec => toRuntimeSpec({ ...base, ...over }, { ...ctx, ...c });

const DOCKER_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Capability numbers (linux/capability.h) for the bitmask /proc/PID/status shows. */
const CAP_BITS: Record<string, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_RAW: 13,
  CAP_SYS_CHROOT: 18,
  CAP_MKNOD: 27,
  CAP_AUDIT_WRITE: 29,
  CAP_SETFCAP: 31,
};

const process_ = suite('toRuntimeSpec: process');

process_('root gets Docker\'s 14 capabilities in bounding, effective and permitted (CapEff a80425fb), nothing inheritable or ambient', () => {
  const caps = make().process.capabilities;
  assert.equal([...caps.bounding].sort(), [...DOCKER_CAPS].sort());
  assert.equal(caps.effective, caps.bounding);
  assert.equal(caps.permitted, caps.bounding);
  assert.not.ok('inheritable' in caps);
  assert.not.ok('ambient' in caps);
  const mask = caps.bounding.reduce((m, c) => m | (1n << BigInt(CAP_BITS[c] ?? 99)), 0n);
  assert.is(mask.toString(16), 'a80425fb');
});

process_('a non-root user gets the set as bounding set only, like Docker', () => {
  const caps = make({}, { user: app }).process.capabilities;
  assert.equal([...caps.bounding].sort(), [...DOCKER_CAPS].sort());
  assert.is(caps.effective, undefined);
  assert.is(caps.permitted, undefined);
});

process_('user ids, supplementary groups, no_new_privileges, no rlimits', () => {
  const p = make({}, { user: app }).process;
  assert.equal(p.user, { uid: 1000, gid: 1000, additionalGids: [1000, 2000] });
  assert.is(p.noNewPrivileges, true);
  assert.not.ok('rlimits' in p);
  assert.equal(make().process.user, { uid: 0, gid: 0, additionalGids: [0] });
});

process_('the primary group is always in the group list, first unless already there (CVE-2023-25173)', () => {
  const user = (gid: number, additionalGids: number[]) => make({}, { user: { uid: 5, gid, additionalGids, home: '/' } }).process.user;
  assert.equal(user(0, [10]).additionalGids, [0, 10]);
  assert.equal(user(1234, []).additionalGids, [1234]);
  assert.equal(user(7, [3, 7, 9]).additionalGids, [3, 7, 9]);
});

process_('args, cwd (default /), terminal', () => {
  const p = make({ cwd: '/work', tty: true }).process;
  assert.equal(p.args, ['/bin/sh', '-c', 'true']);
  assert.is(p.cwd, '/work');
  assert.is(p.terminal, true);
  assert.is(make().process.cwd, '/');
  assert.is(make().process.terminal, false);
});

const env = suite('containerEnv / toRuntimeSpec env');

env('defaults: PATH, HOSTNAME, HOME from the user', () => {
  assert.equal(make({}, { user: app }).process.env, [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'HOSTNAME=c1',
    'HOME=/home/app',
  ]);
});

env('the caller\'s values replace defaults in place; a bare KEY unsets it', () => {
  assert.equal(containerEnv(['FOO=a=b', 'PATH=/bin', 'HOME=/h', 'HOSTNAME'], { hostname: 'h', tty: true, home: '/root' }), [
    'PATH=/bin',
    'TERM=xterm',
    'FOO=a=b',
    'HOME=/h',
  ]);
});

env('hostnameEnv: false (BuildKit RUN steps) sets no HOSTNAME, the hostname stays', () => {
  const spec = make({ hostname: 'buildkitsandbox', hostnameEnv: false });
  assert.not.ok(spec.process.env.some((e) => e.startsWith('HOSTNAME=')));
  assert.is(spec.hostname, 'buildkitsandbox');
  assert.equal(containerEnv(['A=1'], { hostname: null, tty: false, home: '/' }), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1', 'HOME=/']);
});

env('TERM=xterm only with a terminal; an empty value is kept', () => {
  assert.ok(make({ tty: true }).process.env.includes('TERM=xterm'));
  assert.not.ok(make().process.env.some((e) => e.startsWith('TERM=')));
  assert.ok(make({ env: ['EMPTY='] }).process.env.includes('EMPTY='));
});

const linux = suite('toRuntimeSpec: linux');

linux('namespaces: pid, ipc, uts, mount, cgroup, network; no network ns with the host network; never user', () => {
  const types = (s: OciSpec): string[] => s.linux.namespaces.map((n) => n.type).sort();
  assert.equal(types(make()), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
  assert.equal(types(make({ network: 'host' })), ['cgroup', 'ipc', 'mount', 'pid', 'uts']);
});

linux('masked and read-only paths are Docker\'s, plus host extras', () => {
  const l = make({}, { extraMaskedPaths: ['/sys/devices/system/cpu/cpu0/thermal_throttle'] }).linux;
  assert.equal(l.maskedPaths, [
    '/proc/asound',
    '/proc/acpi',
    '/proc/interrupts',
    '/proc/kcore',
    '/proc/keys',
    '/proc/latency_stats',
    '/proc/timer_list',
    '/proc/timer_stats',
    '/proc/sched_debug',
    '/proc/scsi',
    '/sys/firmware',
    '/sys/devices/virtual/powercap',
    '/sys/devices/system/cpu/cpu0/thermal_throttle',
  ]);
  assert.equal(l.readonlyPaths, ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
});

linux('device cgroup: deny all, allow the default devices, deny fuse; no extra devices', () => {
  const l = make().linux;
  assert.equal(l.devices, []);
  assert.equal(l.resources.devices[0], { allow: false, access: 'rwm' });
  const allowed = l.resources.devices.filter((d) => d.allow).map((d) => `${d.major}:${d.minor}`);
  assert.equal(allowed.sort(), ['1:3', '1:5', '1:8', '1:9', '5:0', '5:1']);
  assert.ok(l.resources.devices.some((d) => !d.allow && d.major === 10 && d.minor === 229));
});

linux('limits: memory (swap twice memory by default, only with swap accounting), cpus as quota/period, shares, pids; none by default', () => {
  const l = make({ limits: { memoryBytes: 64 << 20, pids: 100, nanoCpus: 1.5e9, cpuShares: 512 } }, { swapLimit: true }).linux;
  assert.equal(l.resources.memory, { limit: 64 << 20, swap: 128 << 20 });
  assert.equal(l.resources.cpu, { shares: 512, quota: 150_000, period: 100_000 });
  assert.equal(l.resources.pids, { limit: 100 });
  assert.equal(make({ limits: { memoryBytes: 64 << 20, memorySwapBytes: -1 } }, { swapLimit: true }).linux.resources.memory, { limit: 64 << 20, swap: -1 });
  assert.equal(make({ limits: { memoryBytes: 64 << 20 } }).linux.resources.memory, { limit: 64 << 20 });
  assert.not.ok('memory' in make().linux.resources);
  assert.not.ok('pids' in make({ limits: { pids: -1 } }).linux.resources);
  assert.not.ok('cpu' in make().linux.resources);
  assert.not.ok('cgroupsPath' in make().linux);
  assert.is(make({}, { cgroupsPath: 'kiln/c1' }).linux.cgroupsPath, 'kiln/c1');
});

linux('network: none is a new namespace, host none, a netns path is joined', () => {
  const net = (n: RunSpec['network']) => make({ network: n }).linux.namespaces.filter((x) => x.type === 'network');
  assert.equal(net('none'), [{ type: 'network' }]);
  assert.equal(net('host'), []);
  assert.equal(net({ netns: '/r/netns/c1' }), [{ type: 'network', path: '/r/netns/c1' }]);
});

linux('--cap-add/--cap-drop change the default set; ALL; unknown names refused', () => {
  const caps = (capAdd: string[], capDrop: string[]) => make({ capAdd, capDrop }).process.capabilities.effective ?? [];
  assert.ok(caps(['net_admin'], []).includes('CAP_NET_ADMIN'));
  assert.not.ok(caps([], ['CAP_CHOWN']).includes('CAP_CHOWN'));
  assert.equal(caps(['chown'], ['all']), ['CAP_CHOWN']);
  assert.ok(caps(['ALL'], []).includes('CAP_SYS_ADMIN'));
  assert.throws(() => make({ capAdd: ['bogus'] }), /--cap-add: unknown capability "bogus"/);
});

linux('--read-only makes the root read-only', () => {
  assert.is(make({ readonlyRootfs: true }).root.readonly, true);
  assert.is(make().root.readonly, false);
});

linux('seccomp is the default profile for the architecture', () => {
  const s = make().linux.seccomp;
  assert.is(s?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s?.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  assert.equal(make({}, { arch: 'arm64' }).linux.seccomp?.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
});

const mounts = suite('toRuntimeSpec: root, hostname, mounts');

mounts('root is the mounted rootfs, writable; ociVersion 1.0.2', () => {
  const s = make();
  assert.equal(s.root, { path: '/state/bundles/c1/rootfs', readonly: false });
  assert.is(s.ociVersion, '1.0.2');
});

mounts('hostname: the caller\'s, else the first 12 characters of the id', () => {
  assert.is(make({ hostname: 'builder' }).hostname, 'builder');
  assert.is(containerHostname({ ...base, id: '0123456789abcdef' }), '0123456789ab');
  assert.is(containerHostname({ ...base, id: 'run_1.2' }), 'run-1-2');
});

mounts('kernel filesystems like Docker\'s: /proc, /dev, /dev/pts, read-only /sys and cgroups, mqueue, shm', () => {
  const by = new Map(make().mounts.map((m) => [m.destination, m]));
  assert.equal(by.get('/proc'), { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] });
  assert.is(by.get('/dev')?.type, 'tmpfs');
  assert.is(by.get('/dev/pts')?.type, 'devpts');
  assert.ok(by.get('/dev/pts')?.options.includes('newinstance'));
  assert.is(by.get('/sys')?.type, 'sysfs');
  assert.ok(by.get('/sys')?.options.includes('ro'));
  assert.is(by.get('/sys/fs/cgroup')?.type, 'cgroup');
  assert.ok(by.get('/sys/fs/cgroup')?.options.includes('ro'));
  assert.is(by.get('/dev/mqueue')?.type, 'mqueue');
  assert.ok(by.get('/dev/shm')?.options.includes('mode=1777'));
  // /sys stays sysfs with the host network too: runc and crun mount it there as root.
  assert.is(make({ network: 'host' }).mounts.find((m) => m.destination === '/sys')?.type, 'sysfs');
});

mounts('/etc/hosts, /etc/resolv.conf, /etc/hostname are binds of the bundle\'s files', () => {
  const binds = make().mounts.filter((m) => m.destination.startsWith('/etc/'));
  assert.equal(
    binds.map((m) => [m.destination, m.source, m.type]),
    [
      ['/etc/resolv.conf', ctx.resolvPath, 'bind'],
      ['/etc/hostname', ctx.hostnamePath, 'bind'],
      ['/etc/hosts', ctx.hostsPath, 'bind'],
    ],
  );
});

mounts('caller mounts: ro/rw binds, tmpfs with safe defaults, parents first, after the defaults', () => {
  const s = make({
    mounts: [
      { type: 'bind', source: '/host/cache', destination: '/cache/deep/x/', readonly: false },
      { type: 'bind', source: '/host/src', destination: '/src', readonly: true },
      { type: 'tmpfs', destination: '/tmp' },
      { type: 'tmpfs', destination: '/run', options: ['size=1m'] },
    ],
  });
  const user = s.mounts.slice(-4);
  assert.equal(user, [
    { destination: '/src', type: 'bind', source: '/host/src', options: ['rbind', 'rprivate', 'ro'] },
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] },
    { destination: '/cache/deep/x', type: 'bind', source: '/host/cache', options: ['rbind', 'rprivate', 'rw'] },
  ]);
});

mounts('a caller mount on a default destination replaces the default', () => {
  const s = make({ mounts: [{ type: 'bind', source: '/my/hosts', destination: '/etc/hosts', readonly: true }] });
  const hosts = s.mounts.filter((m) => m.destination === '/etc/hosts');
  assert.is(hosts.length, 1);
  assert.is(hosts[0]?.source, '/my/hosts');
});

mounts('bad specs are InvalidArgumentError', () => {
  const bad = (over: Partial<RunSpec>, text: RegExp): void =>
    assert.throws(() => make(over), (err: unknown) => err instanceof InvalidArgumentError && text.test(err.message));
  bad({ args: [] }, /no command/);
  bad({ hostname: 'a b' }, /invalid hostname "a b"/);
  bad({ hostname: 'x'.repeat(65) }, /invalid hostname/);
  bad({ cwd: 'rel' }, /not an absolute path/);
  bad({ mounts: [{ type: 'tmpfs', destination: 'tmp' }] }, /mount destination "tmp"/);
  bad({ limits: { memoryBytes: 1024 } }, /at least 6 MiB/);
  bad({ limits: { pids: 1.5 } }, /pids limit 1.5/);
  bad({ limits: { memoryBytes: 64 << 20, memorySwapBytes: 32 << 20 } }, /memory-swap limit/);
  bad({ limits: { memorySwapBytes: 64 << 20 } }, /needs a memory limit/);
});

process_.run();
env.run();
linux.run();
mounts.run();
