// Mount stubs: what did not exist before a run is removed after it, but only
// while it is still an empty stub; nothing outside the rootfs is touched.
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingPaths, removeStubs } from './stubs.js';

const test = suite('mount stubs');
let tmp = '';
let root = '';
const exists = (p: string): Promise<boolean> => lstat(join(root, p)).then(() => true, () => false);

test.before.each(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  root = join(tmp, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
});

test.after.each(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('missing destinations and their missing parents, deepest first', async () => {
  const missing = await missingPaths(root, ['/proc', '/etc/hosts', '/etc/hostname', '/a/b/c', '/a/b/d']);
  assert.equal(missing, ['/a/b/c', '/a/b/d', '/a/b', '/etc/hostname', '/a', '/proc']);
});

test('empty stubs go; filled ones and pre-existing files stay', async () => {
  const stubs = await missingPaths(root, ['/proc', '/sys', '/etc/hostname', '/etc/resolv.conf', '/etc/hosts', '/data/x']);
  // What a runtime does: create the stubs; then the container writes into some.
  await Promise.all([mkdir(join(root, 'proc')), mkdir(join(root, 'sys')), mkdir(join(root, 'data/x'), { recursive: true })]);
  await writeFile(join(root, 'etc/hostname'), '');
  await writeFile(join(root, 'etc/resolv.conf'), 'nameserver 1.1.1.1\n');
  await writeFile(join(root, 'sys/kept'), 'x');
  await removeStubs(root, stubs);
  assert.equal(
    await Promise.all(['proc', 'sys', 'etc/hostname', 'etc/resolv.conf', 'etc/hosts', 'data'].map(exists)),
    [false, true, false, true, true, false],
  );
});

test('a stub replaced by a symlink out of the rootfs: the link goes, its target stays', async () => {
  const stubs = await missingPaths(root, ['/etc/hostname']);
  await writeFile(join(tmp, 'host-file'), '');
  await symlink(join(tmp, 'host-file'), join(root, 'etc/hostname'));
  await removeStubs(root, stubs);
  assert.is(await readFile(join(tmp, 'host-file'), 'utf8'), '');
  assert.ok(await exists('etc/hostname'), 'a symlink is not an empty stub: it stays');
});

test.run();
