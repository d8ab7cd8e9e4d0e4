// mount.ts performing real mounts (root + overlayfs): binds, overlays with
// relative lowerdirs, failures that carry mount(8)'s stderr, stacked and busy
// targets. Every test unmounts in finally (withTempDir double-checks).
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eGate, withTempDir } from '../cache/snapshot/test-support.js';
import { FailedPreconditionError } from '../util/errors.js';
import { checkOverlaySupport, isMounted, mountAll, unmount } from './mount.js';

if (await e2eGate('mount e2e')) {
  const test = suite('mount e2e');

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

  test("a failed mount is FailedPreconditionError carrying mount(8)'s stderr", () =>
    withTempDir(async (tmp) => {
      const [, mnt = ''] = await dirs(tmp, 'l/a', 'mnt');
      try {
        // overlayfs wants two lower dirs when there is no upper dir.
        await mountAll([{ type: 'overlay', source: join(tmp, 'l'), options: ['lowerdir=a'] }], mnt);
        assert.unreachable('mounted a single-lowerdir overlay');
      } catch (err) {
        assert.instance(err, FailedPreconditionError);
        assert.match((err as Error).message, new RegExp(`^mount overlay on ${mnt} failed: mount: `));
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
        assert.match(probe.supported ? '' : probe.reason, /^mount overlay on .* failed: mount: /);
      } finally {
        await unmount(mnt);
      }
    }));

  test.run();
}
