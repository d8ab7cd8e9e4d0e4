// Docker's user resolution (runc's GetExecUser) over /etc/passwd and
// /etc/group texts, and reading those files from a rootfs without leaving it.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError, NotFoundError } from './errors.js';
import { rejects } from './test-assert.js';
import { readUserFiles, resolveUser, resolveUserFrom } from './user.js';

const passwd = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment',
  '',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  'app:x:1000:1000:app:/home/app:/bin/sh',
  'nohome:x:1001:1001:nohome::/bin/sh',
].join('\n');
const group = ['root:x:0:', 'app:x:1000:', 'extra:x:2000:app,other', 'more:x:2001: app ', 'other:x:3000:root'].join('\n');
const files = { passwd, group };

const forms = suite('resolveUserFrom: forms');

forms('default and "0" are root with root\'s home and groups', () => {
  assert.equal(resolveUserFrom(undefined, files), { uid: 0, gid: 0, additionalGids: [3000], home: '/root' });
  assert.equal(resolveUserFrom('', files), resolveUserFrom('root', files));
  assert.equal(resolveUserFrom('0', files), resolveUserFrom('root', files));
});

forms('name: uid, primary gid and home from passwd, supplementary groups from membership', () => {
  assert.equal(resolveUserFrom('app', files), { uid: 1000, gid: 1000, additionalGids: [2000, 2001], home: '/home/app' });
});

forms('uid with an entry behaves like the name', () => {
  assert.equal(resolveUserFrom('1000', files), resolveUserFrom('app', files));
});

forms('uid without an entry: gid 0, home /, no groups', () => {
  assert.equal(resolveUserFrom('4242', files), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
});

forms('name:group and name:gid set the group and drop supplementary groups', () => {
  assert.equal(resolveUserFrom('app:extra', files), { uid: 1000, gid: 2000, additionalGids: [], home: '/home/app' });
  assert.equal(resolveUserFrom('app:2001', files), { uid: 1000, gid: 2001, additionalGids: [], home: '/home/app' });
  assert.equal(resolveUserFrom('app:777', files), { uid: 1000, gid: 777, additionalGids: [], home: '/home/app' });
});

forms('uid:gid and uid:group need no entries', () => {
  assert.equal(resolveUserFrom('5000:6000', files), { uid: 5000, gid: 6000, additionalGids: [], home: '/' });
  assert.equal(resolveUserFrom('5000:extra', files), { uid: 5000, gid: 2000, additionalGids: [], home: '/' });
  assert.equal(resolveUserFrom('1000:0', files), { uid: 1000, gid: 0, additionalGids: [], home: '/home/app' });
});

forms('an empty home field reads as /', () => {
  assert.is(resolveUserFrom('nohome', files).home, '/');
});

forms('missing files: numeric ids still work', () => {
  const none = { passwd: undefined, group: undefined };
  assert.equal(resolveUserFrom('33:44', none), { uid: 33, gid: 44, additionalGids: [], home: '/' });
  assert.equal(resolveUserFrom(undefined, none), { uid: 0, gid: 0, additionalGids: [], home: '/' });
});

const errors = suite('resolveUserFrom: errors');

errors('an unknown user name is NotFoundError with runc\'s message', () => {
  try {
    resolveUserFrom('ghost', files);
    assert.unreachable('resolved');
  } catch (err) {
    assert.instance(err, NotFoundError);
    assert.is((err as Error).message, 'unable to find user ghost: no matching entries in passwd file');
  }
  assert.throws(() => resolveUserFrom('ghost', { passwd: undefined, group: undefined }), /unable to find user ghost/);
});

errors('an unknown group name is NotFoundError', () => {
  assert.throws(
    () => resolveUserFrom('app:ghosts', files),
    (err: unknown) => err instanceof NotFoundError && err.message === 'unable to find group ghosts: no matching entries in group file',
  );
});

errors('ids out of range and an empty user are InvalidArgumentError', () => {
  assert.throws(() => resolveUserFrom('2147483648', files), (err: unknown) => err instanceof InvalidArgumentError && /0-2147483647/.test(err.message));
  assert.throws(() => resolveUserFrom('app:99999999999', files), (err: unknown) => err instanceof InvalidArgumentError);
  assert.throws(() => resolveUserFrom(':1000', files), (err: unknown) => err instanceof InvalidArgumentError);
});

const reader = suite('readUserFiles / resolveUser');

reader('reads the files of the rootfs, missing ones as undefined', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    assert.equal(await readUserFiles(root), { passwd: undefined, group: undefined });
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/passwd'), passwd);
    await writeFile(join(root, 'etc/group'), group);
    assert.equal(await resolveUser(root, 'app'), { uid: 1000, gid: 1000, additionalGids: [2000, 2001], home: '/home/app' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

reader('symlinks are resolved inside the rootfs, never to the host\'s files', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    const root = join(tmp, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(tmp, 'passwd'), 'evil:x:0:0::/:/bin/sh\n');
    // Absolute and relative escapes both land inside the rootfs, where nothing exists.
    await symlink('/etc/passwd-real', join(root, 'etc/passwd'));
    await symlink('../../passwd', join(root, 'etc/group'));
    assert.equal(await readUserFiles(root), { passwd: undefined, group: undefined });
    await writeFile(join(root, 'etc/passwd-real'), 'inside:x:7:7::/in:/bin/sh\n');
    assert.is((await resolveUser(root, 'inside')).uid, 7);
    await rejects(resolveUser(root, 'evil'), /unable to find user evil/);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

reader('a directory where /etc/passwd should be is an error, not a hang', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    await mkdir(join(root, 'etc/passwd'), { recursive: true });
    await rejects(readUserFiles(root), /not a regular file/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

forms.run();
errors.run();
reader.run();
