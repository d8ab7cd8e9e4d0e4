/**
 * A busybox rootfs made offline from the host's static busybox, for e2e tests:
 * /bin/busybox with every applet linked in /bin, /etc/passwd and /etc/group
 * with root, nobody and `app` (1000, also in group `extra` 2000), /root,
 * /home/app and /tmp.
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The host's static busybox. */
export const HOST_BUSYBOX = '/bin/busybox';

/** /etc/passwd of the test images: root, nobody and app (1000). */
export const BUSYBOX_PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n';

/** /etc/group of the test images: app is also in `extra` (2000). */
export const BUSYBOX_GROUP = 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\nextra:x:2000:app\n';

/** Fills `dir` with the busybox rootfs. */
export async function makeBusyboxRootfs(dir: string): Promise<void> {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await mkdir(join(dir, 'etc'), { recursive: true });
  await mkdir(join(dir, 'root'), { recursive: true });
  await mkdir(join(dir, 'home', 'app'), { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true, mode: 0o1777 });
  await chmod(join(dir, 'tmp'), 0o1777);
  await copyFile(HOST_BUSYBOX, join(dir, 'bin', 'busybox'));
  await chmod(join(dir, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(HOST_BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a !== '' && a !== 'busybox');
  for (const a of applets) await symlink('busybox', join(dir, 'bin', a));
  await writeFile(join(dir, 'etc', 'passwd'), BUSYBOX_PASSWD);
  await writeFile(join(dir, 'etc', 'group'), BUSYBOX_GROUP);
}

/** Writes the busybox rootfs as a tarball at `tarball` (using `work` as scratch space). */
export async function makeBusyboxTarball(work: string, tarball: string): Promise<void> {
  const dir = join(work, 'busybox-rootfs');
  await makeBusyboxRootfs(dir);
  execFileSync('tar', ['-cf', tarball, '-C', dir, '.']);
}
