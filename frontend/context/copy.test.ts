// COPY into a rootfs: destination rules, --chown/--chmod, preserved
// metadata, symlinks and hardlinks, and symlinks in the target rootfs that
// must never redirect a write to the host. Needs root (chown).
import { randomBytes } from 'node:crypto';
import { chmod, chown, link, lstat, mkdir, readdir, readFile, readlink, stat, symlink, utimes } from 'node:fs/promises';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { rejects } from '../../util/test-assert.js';
import { copySelection, type CopyOptions } from './copy.js';
import { ContextHasher } from './hash.js';
import { parseChmod } from './owner.js';
import { selectSources, type SelectRequest } from './select.js';
import { settle, tempDir, writeTree, xxh } from './test-support.js';

let ctx = '';
let rootfs = '';
let cleanups: (() => Promise<void>)[] = [];

const test = suite('copySelection');
test.before.each(async () => {
  const a = await tempDir();
  const b = await tempDir();
  ctx = a.dir;
  rootfs = b.dir;
  cleanups = [a.cleanup, b.cleanup];
  await writeTree(ctx, { 'a.txt': 'alpha', 'b.txt': 'bravo', 'tool.sh': '#!/bin/sh\n', 'dir/x.txt': 'x', 'dir/sub/y.txt': 'y' });
  await chmod(join(ctx, 'tool.sh'), 0o754);
  await utimes(join(ctx, 'tool.sh'), 1_500_000_000, 1_500_000_000);
  await symlink('x.txt', join(ctx, 'dir/link'));
  await writeTree(rootfs, {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n',
    'etc/group': 'root:x:0:\napp:x:1001:\nstaff:x:50:app\n',
  });
  await settle(ctx);
});
test.after.each(async () => {
  for (const c of cleanups) await c();
});

async function copy(req: SelectRequest, options: Omit<CopyOptions, 'rootfs'>, source = ctx, resetOwner = true) {
  const hasher = await ContextHasher.open({ root: source, xxhash: await xxh(), resetOwner });
  const sel = await selectSources(hasher, req);
  return copySelection(hasher.tree, sel, { rootfs, ...options });
}

const at = (p: string): string => join(rootfs, p);
const owner = async (p: string): Promise<string> => {
  const st = await lstat(at(p));
  return `${st.uid}:${st.gid}`;
};
const mode = async (p: string): Promise<number> => (await lstat(at(p))).mode & 0o7777;

test('a trailing slash means a directory; without one a single file takes the destination name', async () => {
  await copy({ sources: ['a.txt'] }, { dest: '/app/' });
  await copy({ sources: ['a.txt'] }, { dest: '/renamed' });
  await copy({ sources: ['b.txt'] }, { dest: 'rel/', workdir: '/work' });
  assert.is(await readFile(at('app/a.txt'), 'utf8'), 'alpha');
  assert.is(await readFile(at('renamed'), 'utf8'), 'alpha');
  assert.is(await readFile(at('work/rel/b.txt'), 'utf8'), 'bravo');
  await copy({ sources: ['b.txt'] }, { dest: '/app' });
  assert.is(await readFile(at('app/b.txt'), 'utf8'), 'bravo', 'an existing directory receives the file');
});

test('a directory source merges its contents; created parents are 0755 root-owned', async () => {
  await copy({ sources: ['dir'] }, { dest: '/deep/path/out' });
  assert.is(await readFile(at('deep/path/out/sub/y.txt'), 'utf8'), 'y');
  assert.is(await readlink(at('deep/path/out/link')), 'x.txt', 'symlinks are copied as symlinks');
  assert.is(await mode('deep/path'), 0o755);
  assert.is(await owner('deep/path'), '0:0');
  assert.not.ok(existsSync(at('deep/path/out/dir')), 'contents, not the directory itself');
});

test('several sources need a directory destination', async () => {
  const err = await rejects(copy({ sources: ['a.txt', 'b.txt'] }, { dest: '/one' }), /When using COPY with more than one source file, the destination must be a directory and end with a \//);
  assert.ok(err instanceof InvalidArgumentError);
  await rejects(copy({ sources: ['*.txt'] }, { dest: '/one', instruction: 'ADD' }), /When using ADD with more than one source/);
  await mkdir(at('existing'));
  await copy({ sources: ['a.txt', 'b.txt'] }, { dest: '/existing' });
  assert.ok(existsSync(at('existing/b.txt')));
});

test('--chown names resolve in the target rootfs; created directories get the owner too', async () => {
  await copy({ sources: ['a.txt'] }, { dest: '/home/app/', chown: 'app' });
  assert.is(await owner('home/app/a.txt'), '1000:1001', 'a user alone takes its primary group');
  assert.is(await owner('home/app'), '1000:1001');
  assert.is(await owner('home'), '1000:1001');
  await copy({ sources: ['b.txt'] }, { dest: '/x/', chown: 'app:staff' });
  assert.is(await owner('x/b.txt'), '1000:50');
  await copy({ sources: ['dir'] }, { dest: '/n/', chown: '1234' });
  assert.is(await owner('n/sub/y.txt'), '1234:1234', 'a numeric uid alone is also the gid');
  assert.is(await owner('n/link'), '1234:1234');
  await rejects(copy({ sources: ['a.txt'] }, { dest: '/y/', chown: 'ghost' }), (e) => e instanceof NotFoundError && /unable to find user ghost/.test(e.message));
});

test('without --chown the context is 0:0 and a stage keeps its owners; modes and mtimes are kept', async () => {
  await chown(join(ctx, 'dir/x.txt'), 777, 888);
  await copy({ sources: ['dir/x.txt', 'tool.sh'] }, { dest: '/c/' });
  assert.is(await owner('c/x.txt'), '0:0');
  assert.is(await mode('c/tool.sh'), 0o754);
  assert.is((await stat(at('c/tool.sh'))).mtimeMs, 1_500_000_000_000);
  await copy({ sources: ['dir/x.txt'] }, { dest: '/s/' }, ctx, false);
  assert.is(await owner('s/x.txt'), '777:888');
});

test('into a setgid directory of another group, copied files and new subdirectories still get the source owner and mode', async () => {
  await mkdir(at('shared'), { recursive: true });
  await chown(at('shared'), 0, 50);
  await chmod(at('shared'), 0o2775);
  await chmod(join(ctx, 'dir/sub/y.txt'), 0o640);
  await copy({ sources: ['dir'] }, { dest: '/shared/' });
  assert.is(await owner('shared/sub'), '0:0');
  assert.is(await owner('shared/sub/y.txt'), '0:0');
  assert.is(await owner('shared/x.txt'), '0:0');
  assert.is(await mode('shared/sub/y.txt'), 0o640);
  assert.is(await readFile(at('shared/sub/y.txt'), 'utf8'), 'y');
});

test('a deep directory tree copied into a new destination keeps every mode, including ones the umask would strip', async () => {
  await writeTree(ctx, { 'deep/a/b/c.txt': 'c', 'deep/a/w.txt': 'w' });
  await chmod(join(ctx, 'deep/a/b/c.txt'), 0o666);
  await chmod(join(ctx, 'deep/a/w.txt'), 0o4755);
  await chmod(join(ctx, 'deep/a/b'), 0o750);
  await settle(ctx);
  await copy({ sources: ['deep'] }, { dest: '/new/' });
  assert.is(await mode('new/a/b/c.txt'), 0o666);
  assert.is(await mode('new/a/w.txt'), 0o4755);
  assert.is(await mode('new/a/b'), 0o750);
  assert.is(await owner('new/a/b/c.txt'), '0:0');
});

test('--chmod: octal for files and directories, symbolic relative to each source', async () => {
  await copy({ sources: ['dir'] }, { dest: '/m/', chmod: '0640' });
  assert.is(await mode('m/x.txt'), 0o640);
  assert.is(await mode('m/sub'), 0o640);
  await copy({ sources: ['tool.sh', 'a.txt'] }, { dest: '/s/', chmod: 'u+x,g-r,o=' });
  assert.is(await mode('s/tool.sh'), 0o710, '0754 with u+x, g-r and o= cleared');
  assert.is(await mode('s/a.txt'), 0o700);
  assert.is(parseChmod('a=rX')(0o600, true), 0o555);
  assert.is(parseChmod('a=rX')(0o600, false), 0o444);
  assert.throws(() => parseChmod('u+q'), /invalid --chmod/);
});

test('hardlinks within the copied set stay hardlinks', async () => {
  await link(join(ctx, 'dir/x.txt'), join(ctx, 'dir/sub/hard'));
  await copy({ sources: ['dir'] }, { dest: '/h/' });
  const [x, hard] = await Promise.all([stat(at('h/x.txt')), stat(at('h/sub/hard'))]);
  assert.is(x.ino, hard.ino);
  assert.is(x.nlink, 2);
});

test('a symlink "dest -> /etc" in the rootfs lands in the rootfs\'s /etc, the host\'s is untouched', async () => {
  const canary = `kiln-test-canary-${randomBytes(6).toString('hex')}`;
  await writeTree(ctx, { [canary]: 'should stay in the rootfs' });
  await symlink('/etc', at('dest'));
  await symlink('../../../../../../../../etc', at('rel'));
  await copy({ sources: [canary] }, { dest: '/dest/' });
  await copy({ sources: [canary] }, { dest: `/rel/${canary}.2` });
  await copy({ sources: [canary] }, { dest: `/dest/../../../etc/${canary}.3` });
  assert.not.ok(existsSync(join('/etc', canary)), 'host /etc untouched');
  assert.not.ok(existsSync(join('/etc', `${canary}.2`)));
  assert.not.ok(existsSync(join('/etc', `${canary}.3`)));
  assert.is(await readFile(at(`etc/${canary}`), 'utf8'), 'should stay in the rootfs');
  assert.ok(existsSync(at(`etc/${canary}.2`)));
  assert.ok(existsSync(at(`etc/${canary}.3`)));
});

test('a symlink inside the destination tree is never written through', async () => {
  const canary = `kiln-test-canary-${randomBytes(6).toString('hex')}`;
  await writeTree(ctx, { [`tree/sub/${canary}`]: 'x', 'tree/file': 'new' });
  await mkdir(at('app'), { recursive: true });
  await symlink('/etc', at('app/sub'));
  await symlink('/etc/hostname', at('app/file'));
  await rejects(copy({ sources: ['tree'] }, { dest: '/app/' }), /^cannot copy to non-directory: \/app\/sub$/);
  assert.not.ok(existsSync(join('/etc', canary)));
  assert.is((await lstat(at('app/sub'))).isSymbolicLink(), true);
  assert.is(await readFile(at('app/file'), 'utf8'), 'new', 'a symlink in a file\'s place is replaced, not followed');
});

test('--parents keeps source paths; --exclude leaves matches out', async () => {
  await copy({ sources: ['dir/sub/y.txt', 'dir/x.txt'], parents: true }, { dest: '/p/' });
  assert.ok(existsSync(at('p/dir/sub/y.txt')));
  assert.ok(existsSync(at('p/dir/x.txt')));
  await copy({ sources: ['dir'], exclude: ['sub', '*.txt'] }, { dest: '/e/' });
  assert.not.ok(existsSync(at('e/sub')));
  assert.not.ok(existsSync(at('e/x.txt')));
  assert.ok((await lstat(at('e/link'))).isSymbolicLink(), 'the symlink is kept even though its target was excluded');
});

test('--parents: --exclude patterns are relative to the base directory, as the kept paths are', async () => {
  await copy({ sources: ['dir'], parents: true, exclude: ['dir/sub'] }, { dest: '/pe/' });
  assert.ok(existsSync(at('pe/dir/x.txt')));
  assert.not.ok(existsSync(at('pe/dir/sub')), 'dir/sub, not sub below the source');
  await copy({ sources: ['./dir/./sub'], parents: true, exclude: ['sub/*.txt'] }, { dest: '/pv/' });
  assert.ok(existsSync(at('pv/sub')));
  assert.not.ok(existsSync(at('pv/sub/y.txt')));
});

test('--chmod: an octal mode is also the mode of the parents the copy creates, as BuildKit makes them', async () => {
  await writeTree(rootfs, { 'out/': '' });
  await copy({ sources: ['a.txt'] }, { dest: '/parent/a.txt', chmod: '777' });
  await copy({ sources: ['a.txt'] }, { dest: '/parent/sub/a.txt', chmod: '770' });
  assert.is(await mode('parent'), 0o777);
  assert.is(await mode('parent/sub'), 0o770, 'a new parent takes this copy\'s mode');
  assert.is(await mode('parent/sub/a.txt'), 0o770);
  await copy({ sources: ['dir'] }, { dest: '/tree/copy', chmod: '4750' });
  assert.is(await mode('tree'), 0o750, 'permission bits only, as Go\'s os.Mkdir takes them');
  assert.is(await mode('tree/copy'), 0o750, 'a directory source\'s new destination too');
  await copy({ sources: ['a.txt'] }, { dest: '/sym/a.txt', chmod: 'u+x' });
  assert.is(await mode('sym'), 0o755, 'a symbolic mode leaves created parents at 0755');
  await copy({ sources: ['a.txt'] }, { dest: '/out/x/a.txt', chmod: '700' });
  assert.is(await mode('out'), 0o755, 'an existing parent keeps its mode');
  assert.is(await mode('out/x'), 0o700);
});

test('a socket in the source is copied as an empty regular file with its mode', async () => {
  const server = createServer();
  const sock = join(ctx, 'socket.sock');
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  try {
    await chmod(sock, 0o640);
    await copy({ sources: ['.'] }, { dest: '/all/' });
    const st = await lstat(at('all/socket.sock'));
    assert.ok(st.isFile(), 'a regular file');
    assert.is(st.size, 0);
    assert.is(st.mode & 0o7777, 0o640);
    assert.is(await readFile(at('all/a.txt'), 'utf8'), 'alpha', 'the rest is copied as usual');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a relative destination symlink that stays in the rootfs is followed: /symlink -> ../tmp/symlink-target', async () => {
  await symlink('../tmp/symlink-target', at('symlink'));
  await copy({ sources: ['a.txt'] }, { dest: '/symlink/' });
  assert.is(await readFile(at('tmp/symlink-target/a.txt'), 'utf8'), 'alpha');
  assert.is(await readlink(at('symlink')), '../tmp/symlink-target', 'the link itself is kept');
  await mkdir(at('work'));
  await symlink('../tmp/symlink-target', at('work/link'));
  await copy({ sources: ['dir'] }, { dest: 'link/', workdir: '/work' });
  assert.is(await readFile(at('tmp/symlink-target/sub/y.txt'), 'utf8'), 'y', 'relative destinations through WORKDIR too');
});

test('hostile destination symlinks that climb out resolve inside the rootfs, never on the host', async () => {
  const canary = `kiln-test-canary-${randomBytes(6).toString('hex')}`;
  await symlink(`../../../../../../../../../../tmp/${canary}`, at('climb'));
  await mkdir(at('a/b'), { recursive: true });
  await symlink(`../../../../../../../../tmp/${canary}-dir`, at('a/b/up'));
  await symlink('../../../../../../../../..', at('top'));
  await copy({ sources: ['a.txt'] }, { dest: '/climb/' });
  await copy({ sources: ['dir'] }, { dest: '/a/b/up/' });
  await copy({ sources: ['b.txt'] }, { dest: `/top/tmp/${canary}-file` });
  for (const p of [canary, `${canary}-dir`, `${canary}-file`]) assert.not.ok(existsSync(join('/tmp', p)), `host /tmp/${p} untouched`);
  assert.is(await readFile(at(`tmp/${canary}/a.txt`), 'utf8'), 'alpha');
  assert.is(await readFile(at(`tmp/${canary}-dir/sub/y.txt`), 'utf8'), 'y');
  assert.is(await readFile(at(`tmp/${canary}-file`), 'utf8'), 'bravo');
});

test('an empty wildcard copies nothing and makes no destination; a --parents base still makes it', async () => {
  const r = await copy({ sources: ['nomatch*'] }, { dest: '/dst/' });
  assert.equal(r, { entries: 0, unpacked: 0 });
  assert.not.ok(existsSync(at('dst')));
  await copy({ sources: ['a.txt', 'nomatch*'] }, { dest: '/one/' });
  assert.equal(await readdir(at('one')), ['a.txt']);
  await copy({ sources: ['dir*'], exclude: ['*'] }, { dest: '/ex/' });
  assert.not.ok(existsSync(at('ex')), 'a source --exclude empties copies nothing');
  await copy({ sources: ['./nope*/x'], parents: true }, { dest: '/out/' });
  assert.equal(await readdir(at('out')), [], 'the destination exists and is empty');
});

test('--parents with ** and a wildcard before the pivot: parents made from their source directories', async () => {
  await writeTree(ctx, { 'p/b/c/d/e/bay': '1', 'p/b/c/d/foo': '2', 'p/b2/c/d/e/bar': '3' });
  await chmod(join(ctx, 'p/b/c'), 0o711);
  await settle(ctx);
  await copy({ sources: ['p/b*/./c/**/e'], parents: true }, { dest: '/out/' });
  assert.equal((await readdir(at('out/c/d/e'))).sort(), ['bar', 'bay'], 'both bases merge into one kept path');
  assert.not.ok(existsSync(at('out/c/d/foo')), 'only what the pattern selects');
  assert.is(await mode('out/c'), 0o711, 'a created parent takes its source directory\'s mode');
  await copy({ sources: ['./p/**/foo'], parents: true }, { dest: '/all/' });
  assert.is(await readFile(at('all/p/b/c/d/foo'), 'utf8'), '2');
});

test.run();
