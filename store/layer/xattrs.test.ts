// Extended attributes on both paths: system calls (util/linux-syscalls.ts)
// and the attr tools (KILN_NATIVE=0). Same results, and failures that name
// the path and the reason.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UnavailableError } from '../../util/errors.js';
import { hasTool, reportSkip } from '../../util/test-e2e.js';
import { linuxSyscalls, nativeUnavailableReason } from '../../util/linux-syscalls.js';
import { removeDir, tempDir } from './test-support.js';
import { readXattrs, setXattr } from './xattrs.js';

for (const native of [true, false]) {
  const name = `xattrs (${native ? 'system calls' : 'getfattr/setfattr'})`;
  if (!native && !(hasTool('getfattr') && hasTool('setfattr'))) {
    reportSkip(name, 'getfattr/setfattr not installed (apt-get install attr)');
    continue;
  }
  const t = suite(name);
  let dir = '';
  t.before.each(async () => {
    process.env.KILN_NATIVE = native ? '1' : '0';
    dir = await tempDir();
  });
  t.after.each(async () => {
    delete process.env.KILN_NATIVE;
    await removeDir(dir);
  });

  t('the path under test is the one in use', () => {
    assert.is(linuxSyscalls() !== undefined, native, nativeUnavailableReason() ?? 'native');
  });

  t('set then read back a whole tree: nested entries, binary values, the pattern filters names', async () => {
    await mkdir(join(dir, 'd', 'sub'), { recursive: true });
    await writeFile(join(dir, 'd', 'sub', 'f'), 'x');
    await writeFile(join(dir, 'top'), 'x');
    const binary = Buffer.from([0, 1, 2, 0xff, 0x0a]);
    await setXattr(join(dir, 'd', 'sub', 'f'), 'user.kiln.cap', binary);
    await setXattr(join(dir, 'd', 'sub', 'f'), 'user.kiln.other', Buffer.from('no'));
    await setXattr(dir, 'user.kiln.cap', Buffer.from('root'));
    const got = await readXattrs(dir, '^user\\.kiln\\.cap$');
    assert.equal([...got.keys()].sort(), ['', 'd/sub/f']);
    assert.equal(got.get('d/sub/f')?.get('user.kiln.cap'), binary);
    assert.is(got.get('d/sub/f')?.has('user.kiln.other'), false);
    assert.equal(got.get('')?.get('user.kiln.cap'), Buffer.from('root'));
  });

  t('a symlinked directory is not followed', async () => {
    const outside = await tempDir();
    try {
      await writeFile(join(outside, 'secret'), 'x');
      await setXattr(join(outside, 'secret'), 'user.kiln.cap', Buffer.from('outside'));
      await symlink(outside, join(dir, 'link'));
      assert.equal([...(await readXattrs(dir, '^user\\.')).keys()], []);
    } finally {
      await removeDir(outside);
    }
  });

  t('setting on a missing path fails naming the path and why', async () => {
    const missing = join(dir, 'nope');
    await setXattr(missing, 'user.kiln.cap', Buffer.from('x')).then(
      () => assert.unreachable('set an xattr on a missing file'),
      (err: unknown) => {
        assert.instance(err, UnavailableError);
        assert.ok((err as Error).message.includes(missing), (err as Error).message);
        assert.match((err as Error).message, native ? /ENOENT \(No such file or directory\)/ : /No such file or directory/);
      },
    );
  });

  t.run();
}
