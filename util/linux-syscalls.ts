/**
 * Linux system calls kiln makes without a helper process: mount(2),
 * umount2(2), the new mount API (fsopen/fsconfig/fsmount/move_mount),
 * l{get,set,list}xattr(2), unshare(2) and setns(2), called through koffi's
 * prebuilt N-API module (an FFI to libc). The module is loaded lazily, on the
 * first call, so commands that mount nothing never pay for it.
 *
 * {@link linuxSyscalls} is undefined when the native path is unavailable: not
 * Linux on x86-64/arm64, no koffi module next to the bundle or in
 * node_modules, or `KILN_NATIVE=0` (the switch that selects the callers'
 * fallback through util-linux and attr tools). Failures throw
 * {@link SyscallError}, whose message names the call, the path and the errno
 * (`mount overlay on /x failed: ENOENT (No such file or directory)`).
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A failed system call: `errno` is its code name (ENOENT, EPERM, EINVAL …). */
export class SyscallError extends Error {
  readonly errno: string;
  readonly syscall: string;
  constructor(syscall: string, what: string, errno: number, detail?: string) {
    const name = errnoName(errno);
    super(`${what} failed: ${name} (${strerror(errno)})${detail === undefined || detail === '' ? '' : `: ${detail}`}`);
    this.name = 'SyscallError';
    this.errno = name;
    this.syscall = syscall;
  }
}

/** The calls kiln makes; each throws SyscallError on failure. */
export interface LinuxSyscalls {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  /** An overlay built with fsopen/fsconfig (one `lowerdir+` per layer, so no one-page limit) and moved onto `target`. */
  mountOverlay(layers: OverlayLayers, target: string): void;
  /** The value of `name` on `path` itself (no symlink followed), or undefined when it has none. */
  lgetxattr(path: string, name: string): Buffer | undefined;
  lsetxattr(path: string, name: string, value: Buffer): void;
  /** The attribute names on `path` itself. */
  llistxattr(path: string): string[];
  unshare(flags: number): void;
  setns(fd: number, nstype: number): void;
  chdir(path: string): void;
}

/** Absolute directories of an overlay mount. */
export interface OverlayLayers {
  readonly lower: readonly string[];
  readonly upper?: string;
  readonly work?: string;
  /** Other options (`index=off`, `redirect_dir=off` …), passed as they are. */
  readonly options: readonly string[];
}

export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_NOATIME = 0x400;
export const MS_NODIRATIME = 0x800;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_RELATIME = 0x200000;
export const MS_STRICTATIME = 0x1000000;
export const MNT_DETACH = 0x2;
export const CLONE_NEWNS = 0x20000;

const FSOPEN_CLOEXEC = 0x1;
const FSCONFIG_SET_FLAG = 0;
const FSCONFIG_SET_STRING = 1;
const FSCONFIG_CMD_CREATE = 6;
const FSMOUNT_CLOEXEC = 0x1;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
const AT_FDCWD = -100;
const XATTR_SIZE_MAX = 65536;

interface KoffiFunction {
  (...args: unknown[]): number;
}
interface KoffiLib {
  func(decl: string): KoffiFunction;
}
interface Koffi {
  load(path: string): KoffiLib;
  errno(): number;
  decode(ptr: unknown, type: string): string;
}

let loaded: LinuxSyscalls | null | undefined;
let strerrorFn: KoffiFunction | undefined;

/** The native calls, or undefined when unavailable (see the module comment); loads koffi on first use. */
export function linuxSyscalls(env: NodeJS.ProcessEnv = process.env): LinuxSyscalls | undefined {
  if (env.KILN_NATIVE === '0') return undefined;
  if (loaded === undefined) loaded = load() ?? null;
  return loaded ?? undefined;
}

/** Why the native path is off, or undefined when it is on (for `kiln info`-style notes and tests). */
export function nativeUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.KILN_NATIVE === '0') return 'KILN_NATIVE=0';
  if (linuxSyscalls(env) !== undefined) return undefined;
  return loadError ?? 'no koffi module for this platform';
}

let loadError: string | undefined;

/** Where koffi's prebuilt module may be: beside the bundle (an installed kiln), or in node_modules (the source tree). */
function modulePaths(): string[] {
  const triplet = `${process.platform}_${process.arch}`;
  const here = dirname(fileURLToPath(import.meta.url));
  const out = [join(here, `koffi-${triplet}.node`)];
  try {
    const pkg = createRequire(import.meta.url).resolve('koffi/package.json');
    out.push(join(dirname(pkg), 'build', 'koffi', triplet, 'koffi.node'));
  } catch {
    // not in node_modules (an installed bundle): only the bundled module
  }
  return out;
}

function load(): LinuxSyscalls | undefined {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    loadError = `no native calls on ${process.platform}/${process.arch}`;
    return undefined;
  }
  const path = modulePaths().find((p) => existsSync(p));
  if (path === undefined) {
    loadError = 'koffi module not found';
    return undefined;
  }
  try {
    const koffi = createRequire(import.meta.url)(path) as Koffi;
    return bind(koffi, koffi.load('libc.so.6'));
  } catch (err) {
    loadError = `loading ${path} failed: ${(err as Error).message}`;
    return undefined;
  }
}

function bind(koffi: Koffi, libc: KoffiLib): LinuxSyscalls {
  const f = (decl: string): KoffiFunction => libc.func(decl);
  const mount = f('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)');
  const umount2 = f('int umount2(const char *target, int flags)');
  const lget = f('long lgetxattr(const char *path, const char *name, void *value, size_t size)');
  const lset = f('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)');
  const llist = f('long llistxattr(const char *path, void *list, size_t size)');
  const unshare = f('int unshare(int flags)');
  const setns = f('int setns(int fd, int nstype)');
  const chdir = f('int chdir(const char *path)');
  strerrorFn = f('const char *strerror(int errnum)');
  const fsopen = optional(() => f('int fsopen(const char *fsname, unsigned int flags)'));
  const fsconfig = optional(() => f('int fsconfig(int fd, unsigned int cmd, const char *key, const char *value, int aux)'));
  const fsmount = optional(() => f('int fsmount(int fd, unsigned int flags, unsigned int attr_flags)'));
  const moveMount = optional(() => f('int move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags)'));
  const check = (r: number, call: string, what: string): number => {
    if (r < 0) throw new SyscallError(call, what, koffi.errno());
    return r;
  };
  const buf = Buffer.alloc(XATTR_SIZE_MAX);
  return {
    mount: (source, target, fstype, flags, data) => void check(mount(source, target, fstype, flags, data), 'mount', `mount ${fstype ?? 'bind'} on ${target}`),
    umount2: (target, flags) => void check(umount2(target, flags), 'umount2', `unmount ${target}`),
    mountOverlay: (layers, target) => {
      if (fsopen === undefined || fsconfig === undefined || fsmount === undefined || moveMount === undefined) {
        throw new SyscallError('fsopen', `mount overlay on ${target}`, constants.errno.ENOSYS);
      }
      const fd = check(fsopen('overlay', FSOPEN_CLOEXEC), 'fsopen', `mount overlay on ${target}`);
      try {
        const set = (key: string, value: string | null): void => {
          const cmd = value === null ? FSCONFIG_SET_FLAG : FSCONFIG_SET_STRING;
          if (fsconfig(fd, cmd, key, value, 0) < 0) throw new SyscallError('fsconfig', `mount overlay on ${target}: option ${key}${value === null ? '' : `=${value}`}`, koffi.errno(), fsLog(fd));
        };
        set('source', 'overlay');
        for (const dir of layers.lower) set('lowerdir+', dir);
        if (layers.upper !== undefined) set('upperdir', layers.upper);
        if (layers.work !== undefined) set('workdir', layers.work);
        for (const o of layers.options) {
          const eq = o.indexOf('=');
          set(eq < 0 ? o : o.slice(0, eq), eq < 0 ? null : o.slice(eq + 1));
        }
        if (fsconfig(fd, FSCONFIG_CMD_CREATE, null, null, 0) < 0) throw new SyscallError('fsconfig', `mount overlay on ${target}`, koffi.errno(), fsLog(fd));
        const mfd = check(fsmount(fd, FSMOUNT_CLOEXEC, 0), 'fsmount', `mount overlay on ${target}`);
        try {
          check(moveMount(mfd, '', AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH), 'move_mount', `mount overlay on ${target}`);
        } finally {
          closeSync(mfd);
        }
      } finally {
        closeSync(fd);
      }
    },
    lgetxattr: (path, name) => {
      const n = lget(path, name, buf, buf.length);
      if (n >= 0) return Buffer.from(buf.subarray(0, n));
      const e = koffi.errno();
      if (e === constants.errno.ENODATA) return undefined;
      throw new SyscallError('lgetxattr', `read xattr ${name} of ${path}`, e);
    },
    lsetxattr: (path, name, value) => void check(lset(path, name, value, value.length, 0), 'lsetxattr', `set xattr ${name} on ${path}`),
    llistxattr: (path) => {
      const n = check(llist(path, buf, buf.length), 'llistxattr', `list xattrs of ${path}`);
      if (n === 0) return [];
      return buf.subarray(0, n - 1).toString('utf8').split('\0');
    },
    unshare: (flags) => void check(unshare(flags), 'unshare', `unshare(${flags.toString(16)})`),
    setns: (fd, nstype) => void check(setns(fd, nstype), 'setns', `setns(${nstype.toString(16)})`),
    chdir: (path) => void check(chdir(path), 'chdir', `chdir ${path}`),
  };
}

function optional(make: () => KoffiFunction): KoffiFunction | undefined {
  try {
    return make();
  } catch {
    return undefined; // libc older than 2.36
  }
}

/** The kernel's messages for a filesystem context ("e overlayfs: failed to resolve …"), joined. */
function fsLog(fd: number): string {
  const out: string[] = [];
  const b = Buffer.alloc(1024);
  for (let i = 0; i < 16; i++) {
    let n: number;
    try {
      n = readFd(fd, b);
    } catch {
      break;
    }
    if (n <= 0) break;
    out.push(b.subarray(0, n).toString('utf8').replace(/^[ewi] /, ''));
  }
  return out.join('; ');
}

function readFd(fd: number, b: Buffer): number {
  // Each read of a filesystem-context fd returns one message; ENODATA when none is left.
  return readSync(fd, b, 0, b.length, null);
}

/** ENOENT, EPERM … for an errno number. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(constants.errno)) if (value === errno) return name;
  return `errno ${errno}`;
}

function strerror(errno: number): string {
  if (strerrorFn === undefined) return `errno ${errno}`;
  return String(strerrorFn(errno) as unknown);
}

/** Opens a namespace file (`/proc/thread-self/ns/mnt`) for setns; the caller closes it. */
export function openNamespace(path: string): number {
  return openSync(path, 'r');
}
