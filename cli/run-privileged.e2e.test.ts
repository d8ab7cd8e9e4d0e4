// `kiln run --privileged`: bin/kiln on real runc; what a privileged container may do that a default one may not.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture } from '../util/test-kiln.js';

if (e2eReady('kiln run --privileged e2e', ['runc', 'busybox'])) {
  const test = suite('kiln run --privileged e2e');
  const fx = kilnFixture('privileged');
  const sh = (flags: string[], script: string): { code: number | null; out: string; err: string } => {
    const r = fx.kiln(['run', '--rm', ...flags, 'bb', 'sh', '-c', script]);
    return { code: r.code, out: r.stdout, err: r.stderr };
  };
  const status = (text: string, key: string): string => new RegExp(`^${key}:\\s*(\\S+)$`, 'm').exec(text)?.[1] ?? '';

  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('capabilities: every one kiln holds (CapEff = kiln\'s CapBnd), seccomp off; a default container has Docker\'s set and the filter', () => {
    const hostBnd = status(readFileSync('/proc/self/status', 'utf8'), 'CapBnd');
    const p = sh(['--privileged'], 'cat /proc/self/status');
    assert.is(p.code, 0, p.err);
    assert.is(status(p.out, 'CapEff'), hostBnd);
    assert.is(status(p.out, 'Seccomp'), '0');
    const d = sh([], 'cat /proc/self/status');
    assert.is(status(d.out, 'CapEff'), '00000000a80425fb');
    assert.is(status(d.out, 'Seccomp'), '2');
  });

  test('mount works inside (tmpfs, overlay), /sys and cgroupfs are writable, /proc is not masked, host devices are there', () => {
    const script = [
      'mkdir -p /t/l /t/u /t/w /t/m',
      'mount -t tmpfs none /t/u && echo tmpfs-ok',
      'mkdir -p /t/u/up /t/u/wk && echo low > /t/l/f && mount -t overlay overlay -o lowerdir=/t/l,upperdir=/t/u/up,workdir=/t/u/wk /t/m && cat /t/m/f',
      "grep -E ' /sys (sysfs) ' /proc/mounts | grep -q '[ ,]rw[ ,]' && echo sys-rw",
      "grep ' /proc/kcore ' /proc/mounts || echo kcore-unmasked",
      "grep ' /proc/sys ' /proc/mounts || echo proc-sys-writable",
      'test -c /dev/kmsg && echo kmsg',
    ].join('; ');
    const p = sh(['--privileged'], script);
    assert.is(p.code, 0, p.err);
    assert.is(p.out, 'tmpfs-ok\nlow\nsys-rw\nkcore-unmasked\nproc-sys-writable\nkmsg\n');
    const d = sh([], 'mount -t tmpfs none /mnt 2>/dev/null || echo refused; test -e /dev/kmsg || echo no-kmsg');
    assert.is(d.out, 'refused\nno-kmsg\n');
  });

  test('--cap-drop still applies; a detached --privileged container keeps it', () => {
    const p = sh(['--privileged', '--cap-drop', 'sys_admin'], 'mount -t tmpfs none /mnt 2>/dev/null || echo refused');
    assert.is(p.out, 'refused\n');
    // Detached: the supervisor starts it from the stored record.
    fx.ok(['run', '-d', '--name', 'priv-detached', '--privileged', 'bb', 'sh', '-c', 'grep Seccomp: /proc/self/status']);
    assert.is(fx.ok(['wait', 'priv-detached']).stdout.trim(), '0');
    assert.match(fx.ok(['logs', 'priv-detached']).stdout, /Seccomp:\s*0/);
    fx.ok(['rm', '-f', 'priv-detached']);
  });

  test.run();
}
