// mount.ts without mounting: the mount(8) argv each kind of Mount becomes, the
// checks made before mount(8) runs, and reading /proc/self/mountinfo.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError, NotFoundError } from '../util/errors.js';
import { isMounted, mountAll, mountCommand, mountPointsUnder, unmount } from './mount.js';

const cmd = suite('mountCommand');

cmd('bind: adds bind when neither bind nor rbind is given, resolves a relative source', () => {
  assert.equal(mountCommand({ type: 'bind', source: 'rel/dir', options: ['ro'] }, '/mnt'), {
    args: ['-o', 'bind,ro', '--', resolve('rel/dir'), '/mnt'],
    cwd: undefined,
  });
  assert.equal(mountCommand({ type: 'bind', source: '/src', options: ['rbind', 'rw'] }, '/mnt').args, [
    '-o',
    'rbind,rw',
    '--',
    '/src',
    '/mnt',
  ]);
});

cmd('bind of a held-open file descriptor: passed to mount(2) as it is, not canonicalized', () => {
  assert.equal(mountCommand({ type: 'bind', source: '/proc/123/fd/7', options: ['rbind', 'ro'] }, '/mnt').args, ['--no-canonicalize', '-o', 'rbind,ro', '--', '/proc/123/fd/7', '/mnt']);
  assert.equal(mountCommand({ type: 'bind', source: '/proc/123/fd/7/sub', options: [] }, '/mnt').args, ['-o', 'bind', '--', '/proc/123/fd/7/sub', '/mnt']);
});

cmd('overlay: an absolute source is the working directory, the device is "overlay"', () => {
  const options = ['upperdir=u/fs', 'workdir=u/work', 'lowerdir=a/fs:b/fs'];
  assert.equal(mountCommand({ type: 'overlay', source: '/var/lib/kiln/l', options }, '/mnt'), {
    args: ['-t', 'overlay', '-o', options.join(','), '--', 'overlay', '/mnt'],
    cwd: '/var/lib/kiln/l',
  });
  assert.equal(mountCommand({ type: 'overlay', source: 'overlay', options: ['lowerdir=/a:/b'] }, '/mnt'), {
    args: ['-t', 'overlay', '-o', 'lowerdir=/a:/b', '--', 'overlay', '/mnt'],
    cwd: undefined,
  });
});

cmd('other types pass through; no options means no -o', () => {
  assert.equal(mountCommand({ type: 'tmpfs', source: 'tmpfs', options: [] }, '/mnt').args, ['-t', 'tmpfs', '--', 'tmpfs', '/mnt']);
});

cmd('a relative target is refused (overlay changes the working directory)', () => {
  const relative = (): unknown => mountCommand({ type: 'tmpfs', source: 'tmpfs', options: [] }, 'mnt');
  assert.throws(relative, (err: unknown) => err instanceof InvalidArgumentError);
});

cmd('options over one page are refused before the kernel sees them', () => {
  const options = [`lowerdir=${Array.from({ length: 400 }, (_, i) => `layer${i}/fs`).join(':')}`];
  try {
    mountCommand({ type: 'overlay', source: '/l', options }, '/mnt');
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, /options are \d+ bytes, the kernel accepts at most 4095/);
  }
});

cmd.run();

const info = suite('mountinfo');

info('a missing overlay source directory is NotFoundError, before mount(8) runs', async () => {
  const source = join(tmpdir(), 'kiln-test-does-not-exist');
  try {
    await mountAll([{ type: 'overlay', source, options: ['lowerdir=a:b'] }], join(tmpdir(), 'kiln-test-nowhere'));
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, NotFoundError);
    assert.ok((err as Error).message.includes(source));
  }
});

info('a missing overlay layer directory is NotFoundError naming it, before mount(8) runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    await mkdir(join(dir, 'a'));
    const options = ['upperdir=a', 'workdir=a', 'lowerdir=a:gone'];
    await mountAll([{ type: 'overlay', source: dir, options }], join(dir, 'mnt')).then(
      () => assert.unreachable('should throw'),
      (err: unknown) => {
        assert.instance(err, NotFoundError);
        assert.match((err as Error).message, `overlay layer directory ${join(dir, 'gone')} does not exist`);
      },
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

info('isMounted knows / and /proc, not plain or missing dirs', async () => {
  assert.ok(await isMounted('/'));
  assert.ok(await isMounted('/proc'));
  assert.not.ok(await isMounted('/proc/self'));
  assert.not.ok(await isMounted('/no/such/kiln/dir'));
});

info('unmount of a directory with nothing mounted is a no-op', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    await unmount(dir);
    await unmount(join(dir, 'missing'));
  } finally {
    await rm(dir, { recursive: true });
  }
});

info('mountPointsUnder lists deepest first', async () => {
  const points = await mountPointsUnder('/');
  assert.is(points.at(-1), '/');
  for (let i = 1; i < points.length; i++) assert.ok((points[i - 1] ?? '').length >= (points[i] ?? '').length);
});

info.run();
