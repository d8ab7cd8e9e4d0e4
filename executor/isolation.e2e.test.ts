// Isolation, asserted from inside real containers, under runc and under crun
// (each gated on its own, so a missing crun is a reported skip, a failure in CI): PID and UTS namespaces, Docker's capabilities,
// no_new_privs, read-only /proc/sys* and /sys, no mounts, network none, no
// way out to host files, seccomp.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { leftovers, runIn, setupFixture, teardownFixture, type Fixture } from './test-support.js';

for (const kind of (['runc', 'crun'] as const).filter((k) => e2eReady(`executor isolation e2e (${k})`, [k, 'script']))) {
  const test = suite(`isolation e2e (${kind})`);
  let f: Fixture;
  const sh = (script: string, over = {}) => runIn(f, ['sh', '-c', script], over);

  test.before(async () => {
    f = await setupFixture(kind);
  });
  test.after(async () => {
    const left = await leftovers(f);
    await teardownFixture(f);
    assert.equal(left, { state: [], mounts: [], bundles: [] });
  });

  test('the command is PID 1 and sees no host process', async () => {
    const r = await sh('echo $$; ps -o pid,comm; true'); // `; true`: sh must not exec ps in its place
    const [pid, header, ...procs] = r.out.trim().split('\n').map((l) => l.trim());
    assert.is(pid, '1');
    assert.match(header ?? '', /PID\s+COMMAND/);
    // Only the shell and ps itself exist in the namespace (the host runs many more).
    assert.equal(procs.map((p) => p.replace(/^\d+\s+/, '')).sort(), ['ps', 'sh'], r.out);
    assert.match(procs[0] ?? '', /^1 sh$/);
  });

  test('the hostname is the container\'s, not the host\'s, also with the host network', async () => {
    for (const network of ['none', 'host'] as const) {
      const r = await sh('hostname; cat /etc/hostname', { hostname: 'isolated-box', network });
      assert.is(r.out, 'isolated-box\nisolated-box\n');
      assert.is.not(hostname(), 'isolated-box');
    }
  });

  test('CapEff is Docker\'s default set, NoNewPrivs is 1, seccomp filters are on', async () => {
    const r = await sh('grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status');
    const status = Object.fromEntries(r.out.trim().split('\n').map((l) => l.split(/:\s+/)));
    assert.equal(status, {
      CapInh: '0000000000000000',
      CapPrm: '00000000a80425fb',
      CapEff: '00000000a80425fb',
      CapBnd: '00000000a80425fb',
      CapAmb: '0000000000000000',
      NoNewPrivs: '1',
      Seccomp: '2',
    });
    const app = await sh('grep -E "^(CapEff|CapBnd):" /proc/self/status', { user: 'app' });
    assert.is(app.out, 'CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\n');
  });

  test('/proc/sysrq-trigger, /proc/sys and /sys are read-only; masked paths read empty', async () => {
    // "h" only prints help to the kernel log, should the write ever get through.
    const r = await sh('echo h > /proc/sysrq-trigger; echo "sysrq=$?"; echo 1 > /proc/sys/vm/drop_caches; echo "sys=$?"; touch /sys/kernel/x; echo "sysfs=$?"; cat /proc/timer_list /proc/interrupts | wc -c; ls /sys/firmware | wc -l');
    assert.equal(r.out.trim().split('\n'), ['sysrq=1', 'sys=1', 'sysfs=1', '0', '0']);
    assert.match(r.err, /drop_caches: Read-only file system/);
    assert.match(r.err, /sys\/kernel\/x: Read-only file system/);
    // This host's kernel may lack sysrq; where it has one, the bind is read-only.
    if (existsSync('/proc/sysrq-trigger')) assert.match(r.err, /sysrq-trigger: Read-only file system/);
    // Control: the masked files are not empty on the host.
    assert.ok(readFileSync('/proc/interrupts', 'utf8').length > 0);
  });

  test('mount and new namespaces are refused (capabilities and seccomp)', async () => {
    const r = await sh('mkdir -p /tmp/m; mount -t tmpfs none /tmp/m; echo "mount=$?"; rmdir /tmp/m; unshare -U true; echo "userns=$?"; unshare -m true; echo "mountns=$?"; unshare -n true; echo "netns=$?"');
    assert.match(r.out, /mount=[1-9]/);
    assert.match(r.out, /userns=[1-9]/);
    assert.match(r.out, /mountns=[1-9]/);
    assert.match(r.out, /netns=[1-9]/);
    // A user namespace needs no capability: only seccomp refuses it. The host (control) allows it.
    assert.match(r.err, /unshare: unshare\(0x10000000\): Operation not permitted/);
    assert.is(spawnSync('unshare', ['-U', 'true']).status, 0);
  });

  test('devices: the defaults exist; others are refused by the device cgroup', async () => {
    const r = await sh('for d in null zero full random urandom tty; do test -c /dev/$d || echo "missing $d"; done; mknod /tmp/sda b 8 0 && head -c1 /tmp/sda; echo "disk=$?"; rm -f /tmp/sda');
    assert.not.match(r.out, /missing/);
    assert.match(r.out, /disk=[1-9]/);
    assert.match(r.err, /Operation not permitted/);
  });

  test('cgroups: the container sees its own cgroup as the root, no host cgroup paths', async () => {
    const r = await sh('cat /proc/self/cgroup');
    // Without a cgroup namespace the runtime's per-container cgroups would show here (`...:/<id>`).
    for (const line of r.out.trim().split('\n')) assert.match(line, /^\d+:[^:]*:\/$/, r.out);
  });

  test('network none: only lo, and it is up', async () => {
    const r = await sh('tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ip link show lo');
    const [ifaces = '', link = ''] = r.out.split(/\n(?=\d+: )/);
    assert.is(ifaces.trim(), 'lo');
    assert.match(link, /<LOOPBACK,UP,LOWER_UP>/);
  });

  test('host files outside the rootfs stay out of reach, also through /proc/1/root and ..', async () => {
    const secret = `secret-${process.pid}-${Date.now()}`;
    const outside = join(f.tmp, 'outside.txt'); // the rootfs is f.tmp/rootfs: one .. away
    await writeFile(outside, secret);
    const tries = [
      `cat ${outside}`,
      `cat /proc/1/root${outside}`,
      'cat /../outside.txt /proc/1/root/../outside.txt /proc/self/root/../../outside.txt',
      'cd /proc/1/root/../../.. && cat outside.txt',
      `cat /proc/1/cwd/../outside.txt`,
    ];
    const r = await sh(`${tries.join('; ')}; ls /proc/1/root/.. | tr "\\n" " "; echo; ls / | tr "\\n" " "`);
    assert.not.ok(r.out.includes(secret), r.out);
    const [above = '', top = ''] = r.out.trim().split('\n');
    assert.is(above.trim(), top.trim());
    assert.match(top, /bin .*etc .*proc/);
  });

  test('nothing is left behind after runs', async () => {
    assert.equal(await leftovers(f), { state: [], mounts: [], bundles: [] });
  });

  test.run();
}
