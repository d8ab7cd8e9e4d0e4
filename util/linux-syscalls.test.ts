// The native calls' errors: each names the call's subject (a path) and the
// errno by name and text, for the three a user meets (ENOENT, EPERM, EINVAL).
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { linuxSyscalls, nativeUnavailableReason, SyscallError } from './linux-syscalls.js';
import { rootReady } from './test-e2e.js';

const t = suite('linux system calls');
const dir = mkdtempSync(join(tmpdir(), 'kiln-syscalls-'));
t.after(() => rmSync(dir, { recursive: true, force: true }));

function failure(f: () => unknown): SyscallError {
  try {
    f();
  } catch (err) {
    assert.instance(err, SyscallError);
    return err as SyscallError;
  }
  throw new Error('the call succeeded');
}

t('available on this host (linux x64 with the koffi module); KILN_NATIVE=0 turns it off', () => {
  assert.ok(linuxSyscalls() !== undefined, nativeUnavailableReason());
  assert.is(linuxSyscalls({ KILN_NATIVE: '0' }), undefined);
  assert.is(nativeUnavailableReason({ KILN_NATIVE: '0' }), 'KILN_NATIVE=0');
});

t('ENOENT: the missing path is named', () => {
  const sys = linuxSyscalls();
  const missing = join(dir, 'missing');
  const err = failure(() => sys?.llistxattr(missing));
  assert.is(err.errno, 'ENOENT');
  assert.is(err.message, `list xattrs of ${missing} failed: ENOENT (No such file or directory)`);
  assert.is(sys?.lgetxattr(dir, 'user.none'), undefined, 'an absent attribute is not an error');
});

t('EPERM: user attributes on a symlink', () => {
  const link = join(dir, 'link');
  symlinkSync('/nowhere', link);
  const err = failure(() => linuxSyscalls()?.lsetxattr(link, 'user.x', Buffer.from('y')));
  assert.is(err.errno, 'EPERM');
  assert.match(err.message, new RegExp(`^set xattr user\\.x on ${link} failed: EPERM \\(Operation not permitted\\)$`));
});

t('EINVAL: unmounting what is not a mount point', () => {
  if (!rootReady('umount2 EINVAL')) return;
  const err = failure(() => linuxSyscalls()?.umount2(dir, 0));
  assert.is(err.errno, 'EINVAL');
  assert.is(err.message, `unmount ${dir} failed: EINVAL (Invalid argument)`);
});

t.run();
