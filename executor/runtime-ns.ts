/**
 * Starting crun where it accepts this host's cgroups, without a helper
 * process. crun refuses a "hybrid" host (cgroup v1 controllers plus a cgroup2
 * mount at /sys/fs/cgroup/unified that has a controller, here hugetlb):
 * "cgroups in hybrid mode not supported, drop all controllers from cgroupv2".
 * In a mount namespace without that cgroup2 mount it sees plain cgroup v1.
 *
 * A child inherits the mount namespace of the thread that forks it, and Node
 * forks on the main thread, synchronously inside `spawn()`. So around each
 * runtime spawn the main thread, alone, enters a fresh copy of the host's
 * namespace (unshare(CLONE_NEWNS): it holds every mount made so far,
 * including the container's rootfs), makes it a slave of the host (nothing
 * done there propagates back), lazily unmounts the cgroup2 mounts, forks the
 * runtime, and returns to the host's namespace (setns) and working directory
 * (setns resets it to `/`). The copy lives as long as the runtime process.
 * libuv's worker threads, which do kiln's file I/O, never leave the host's
 * namespace. Cost: a few system calls per spawn, instead of unshare(1),
 * sh and umount(8) per spawn.
 */
import { openSync } from 'node:fs';
import { CLONE_NEWNS, MNT_DETACH, MS_REC, MS_SLAVE, type LinuxSyscalls } from '../util/linux-syscalls.js';

let hostNamespace: number | undefined;

/**
 * Runs `fork` (a synchronous spawn) with the main thread in a private mount
 * namespace without the mounts `hide`; returns what `fork` returns. With
 * nothing to hide it just calls `fork`.
 */
export function forkWithout<T>(sys: LinuxSyscalls, hide: readonly string[], fork: () => T): T {
  if (hide.length === 0) return fork();
  // Opened before the first unshare, so it is the host's namespace (O_CLOEXEC: runtimes do not inherit it).
  hostNamespace ??= openSync('/proc/thread-self/ns/mnt', 'r');
  const cwd = process.cwd();
  sys.unshare(CLONE_NEWNS);
  try {
    sys.mount(null, '/', null, MS_REC | MS_SLAVE, null);
    for (const point of hide) sys.umount2(point, MNT_DETACH);
    return fork();
  } finally {
    sys.setns(hostNamespace, CLONE_NEWNS);
    sys.chdir(cwd);
  }
}
