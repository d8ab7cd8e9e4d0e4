// mount.ts performing real mounts (root + overlayfs): binds, overlays with
// relative lowerdirs, failures that carry the errno (native) or mount(8)'s
// stderr (KILN_NATIVE=0), stacked and busy targets; every test runs on both
// paths. Every test unmounts in finally (withTempDir double-checks).
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eGate, withTempDir } from '../cache/snapshot/test-support.js';
import { FailedPreconditionError } from '../util/errors.js';
import { linuxSyscalls, nativeUnavailableReason } from '../util/linux-syscalls.js';
import { checkOverlaySupport, isMounted, mountAll, unmount } from './mount.js';

for (const native of [true, false]) {
  if (!(await e2eGate(`mount e2e (${native ? 'system calls' : 'mount(8)'})`))) continue;
  const test = suite(`mount e2e (${native ? 'system calls' : 'mount(8)'})`);
  test.before.each(() => void (process.env.KILN_NATIVE = native ? '1' : '0'));
  test.after(() => void delete process.env.KILN_NATIVE);
  /** How each path words a failed mount: the errno, or mount(8)'s own stderr. */
  const reason = native ? '[A-Z]+ \\(' : 'mount: ';

  test('the path under test is the one in use', () => {
    assert.is(linuxSyscalls() !== undefined, native, nativeUnavailableReason() ?? 'native');
  });

  /** Makes dirs `names` under `tmp`, returning their paths. */
  const dirs = async (tmp: string, ...names: string[]): Promise<string[]> =>
    Promise.all(names.map(async (n) => (await mkdir(join(tmp, n), { recursive: true }), join(tmp, n))));

  test('a rw bind shows and takes writes; unmount undoes it', () =>
    withTempDir(async (tmp) => {
      const [src = '', mnt = ''] = await dirs(tmp, 'src', 'mnt');
      await writeFile(join(src, 'f'), 'from source');
      await mountAll([{ type: 'bind', source: src, options: ['rbind', 'rw'] }], mnt);
      try {
        assert.ok(await isMounted(mnt));
        assert.is(await readFile(join(mnt, 'f'), 'utf8'), 'from source');
        await writeFile(join(mnt, 'g'), 'through mount');
      } finally {
        await unmount(mnt);
      }
      assert.not.ok(await isMounted(mnt));
      assert.is(await readFile(join(src, 'g'), 'utf8'), 'through mount');
    }));

  test('a ro bind refuses writes', () =>
    withTempDir(async (tmp) => {
      const [src = '', mnt = ''] = await dirs(tmp, 'src', 'mnt');
      await mountAll([{ type: 'bind', source: src, options: ['rbind', 'ro'] }], mnt);
      try {
        await writeFile(join(mnt, 'x'), 'x').then(
          () => assert.unreachable('writable'),
          (err: NodeJS.ErrnoException) => assert.is(err.code, 'EROFS'),
        );
      } finally {
        await unmount(mnt);
      }
    }));

  test('overlay options relative to source; the nearest lower wins', () =>
    withTempDir(async (tmp) => {
      const [a = '', b = '', mnt = ''] = await dirs(tmp, 'l/a', 'l/b', 'l/u', 'l/w', 'mnt');
      await writeFile(join(a, 'f'), 'a');
      await writeFile(join(b, 'f'), 'b');
      await writeFile(join(b, 'only-b'), 'b');
      const options = ['upperdir=u', 'workdir=w', 'lowerdir=a:b'];
      await mountAll([{ type: 'overlay', source: join(tmp, 'l'), options }], mnt);
      try {
        assert.is(await readFile(join(mnt, 'f'), 'utf8'), 'a');
        assert.is(await readFile(join(mnt, 'only-b'), 'utf8'), 'b');
        await writeFile(join(mnt, 'up'), 'u');
      } finally {
        await unmount(mnt);
      }
      assert.is(await readFile(join(tmp, 'l', 'u', 'up'), 'utf8'), 'u');
    }));

  test("a failed mount is FailedPreconditionError naming the target and the errno or mount(8)'s stderr", () =>
    withTempDir(async (tmp) => {
      const [, mnt = ''] = await dirs(tmp, 'l/a', 'mnt');
      try {
        // overlayfs wants two lower dirs when there is no upper dir.
        await mountAll([{ type: 'overlay', source: join(tmp, 'l'), options: ['lowerdir=a'] }], mnt);
        assert.unreachable('mounted a single-lowerdir overlay');
      } catch (err) {
        assert.instance(err, FailedPreconditionError);
        assert.match((err as Error).message, new RegExp(`^mount overlay on ${mnt} failed: ${reason}`));
      }
      assert.not.ok(await isMounted(mnt));
    }));

  test('a failure part-way through mountAll undoes its own mounts, not earlier ones', () =>
    withTempDir(async (tmp) => {
      const [src = '', old = '', , mnt = ''] = await dirs(tmp, 'src', 'old', 'l/a', 'mnt');
      await writeFile(join(old, 'old'), 'still here');
      await mountAll([{ type: 'bind', source: old, options: ['bind'] }], mnt);
      const good = { type: 'bind', source: src, options: ['rbind'] };
      const bad = { type: 'overlay', source: join(tmp, 'l'), options: ['lowerdir=a'] };
      await mountAll([good, bad], mnt).then(
        () => assert.unreachable('mounted'),
        (err: unknown) => assert.instance(err, FailedPreconditionError),
      );
      assert.is(await readFile(join(mnt, 'old'), 'utf8'), 'still here');
      await unmount(mnt);
      assert.not.ok(await isMounted(mnt));
    }));

  test('unmount removes every mount stacked on a target', () =>
    withTempDir(async (tmp) => {
      const [s1 = '', s2 = '', mnt = ''] = await dirs(tmp, 's1', 's2', 'mnt');
      await writeFile(join(s2, 'top'), '2');
      await mountAll(
        [
          { type: 'bind', source: s1, options: ['bind'] },
          { type: 'bind', source: s2, options: ['bind'] },
        ],
        mnt,
      );
      try {
        assert.is(await readFile(join(mnt, 'top'), 'utf8'), '2');
      } finally {
        await unmount(mnt);
      }
      assert.not.ok(await isMounted(mnt));
    }));

  test('a busy target needs detach; the error says busy', () =>
    withTempDir(async (tmp) => {
      const [src = '', mnt = ''] = await dirs(tmp, 'src', 'mnt');
      await writeFile(join(src, 'f'), 'x');
      await mountAll([{ type: 'bind', source: src, options: ['bind'] }], mnt);
      const fh = await open(join(mnt, 'f'), 'r');
      try {
        await unmount(mnt).then(
          () => assert.unreachable('unmounted a busy target'),
          (err: unknown) => assert.match((err as Error).message, /busy/),
        );
        await unmount(mnt, { detach: true });
        assert.not.ok(await isMounted(mnt));
      } finally {
        await fh.close();
        await unmount(mnt, { detach: true });
      }
    }));

  test('checkOverlaySupport: yes in a temp dir, no on a dir that is itself overlayfs', () =>
    withTempDir(async (tmp) => {
      assert.equal(await checkOverlaySupport(tmp), { supported: true });
      const [, , , , mnt = ''] = await dirs(tmp, 'l/a', 'l/b', 'l/u', 'l/w', 'mnt');
      await mountAll([{ type: 'overlay', source: join(tmp, 'l'), options: ['upperdir=u', 'workdir=w', 'lowerdir=a:b'] }], mnt);
      try {
        const probe = await checkOverlaySupport(join(mnt, 'store'));
        assert.is(probe.supported, false);
        assert.match(probe.supported ? '' : probe.reason, new RegExp(`^mount overlay on .* failed: ${reason}`));
      } finally {
        await unmount(mnt);
      }
    }));

  test('an overlay of 150 layers whose absolute paths pass one page mounts with the nearest layer on top', () =>
    withTempDir(async (tmp) => {
      const names = Array.from({ length: 150 }, (_, i) => `layer-number-${String(i).padStart(3, '0')}`);
      await dirs(tmp, ...names.map((n) => `l/${n}`), 'l/u', 'l/w', 'mnt');
      await Promise.all(names.map((n) => writeFile(join(tmp, 'l', n, 'f'), n)));
      await writeFile(join(tmp, 'l', names[149] ?? '', 'bottom'), 'b');
      const mnt = join(tmp, 'mnt');
      await mountAll([{ type: 'overlay', source: join(tmp, 'l'), options: ['upperdir=u', 'workdir=w', `lowerdir=${names.join(':')}`] }], mnt);
      try {
        assert.is(await readFile(join(mnt, 'f'), 'utf8'), names[0]);
        assert.is(await readFile(join(mnt, 'bottom'), 'utf8'), 'b');
      } finally {
        await unmount(mnt);
      }
    }));

  test.run();
}
