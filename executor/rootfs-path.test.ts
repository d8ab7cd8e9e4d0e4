// resolveInRoot: symlinks and .. never leave the rootfs.
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError } from '../util/errors.js';
import { HOSTILE_CASES, hostileRoot } from '../util/test-root-cases.js';
import { resolveInRoot, resolveInRootSync } from './rootfs-path.js';

const test = suite('resolveInRoot');
let root = '';

test.before.each(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await symlink('usr/bin', join(root, 'bin'));
  await symlink('/usr/bin/busybox', join(root, 'usr/bin/sh'));
  await symlink('../../../../../etc', join(root, 'up'));
  await symlink('/', join(root, 'slash'));
  await symlink('loop', join(root, 'loop'));
});

test.after.each(async () => {
  await rm(root, { recursive: true, force: true });
});

test('plain paths and .. are clamped at the root', async () => {
  assert.is(await resolveInRoot(root, '/usr/bin'), join(root, 'usr/bin'));
  assert.is(await resolveInRoot(root, '/../../etc/passwd'), join(root, 'etc/passwd'));
  assert.is(await resolveInRoot(root, 'usr/./bin/../bin'), join(root, 'usr/bin'));
  assert.is(await resolveInRoot(root, '/'), root);
});

test('relative and absolute symlinks resolve inside the root', async () => {
  assert.is(await resolveInRoot(root, '/bin/sh'), join(root, 'usr/bin/busybox'));
  assert.is(await resolveInRoot(root, '/up/passwd'), join(root, 'etc/passwd'));
  assert.is(await resolveInRoot(root, '/slash/etc/shadow'), join(root, 'etc/shadow'));
});

test('followLast: false stops at a final symlink', async () => {
  assert.is(await resolveInRoot(root, '/bin/sh', { followLast: false }), join(root, 'usr/bin/sh'));
  assert.is(await resolveInRoot(root, '/bin', { followLast: false }), join(root, 'bin'));
});

test('missing components are kept as they are', async () => {
  assert.is(await resolveInRoot(root, '/nope/a/../b'), join(root, 'nope/b'));
});

test('a missing component climbed out of with .. does not stop symlink resolution', async () => {
  await symlink('/etc/shadow', join(root, 'hostlink'));
  await symlink('nope/../hostlink', join(root, 'via-missing'));
  await symlink('nope/../../slash/etc', join(root, 'via-missing-dir'));
  assert.is(await resolveInRoot(root, '/nope/../hostlink'), join(root, 'etc/shadow'));
  assert.is(await resolveInRoot(root, '/via-missing'), join(root, 'etc/shadow'));
  assert.is(await resolveInRoot(root, '/via-missing-dir/passwd'), join(root, 'etc/passwd'));
  assert.is(await resolveInRoot(root, '/nope/a/../../bin/sh'), join(root, 'usr/bin/busybox'));
  // Still below the missing component: kept as it is.
  assert.is(await resolveInRoot(root, '/nope/a/../hostlink'), join(root, 'nope/hostlink'));
});

test('a symlink loop is an error', async () => {
  try {
    await resolveInRoot(root, '/loop/x');
    assert.unreachable('resolved a loop');
  } catch (err) {
    assert.instance(err, FailedPreconditionError);
    assert.match((err as Error).message, /too many levels of symbolic links/);
  }
});

test('the shared hostile table: every case lands inside the root or is a loop', async () => {
  const h = await hostileRoot();
  try {
    for (const c of HOSTILE_CASES) {
      if (c.lands !== 'loop') {
        assert.is(resolveInRootSync(h.root, c.path), join(h.root, c.lands), c.path);
        continue;
      }
      assert.throws(() => resolveInRootSync(h.root, c.path), (e: unknown) => e instanceof FailedPreconditionError, c.path);
    }
  } finally {
    await h.remove();
  }
});

test.run();
