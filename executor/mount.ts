/**
 * The only code in kiln that performs mounts. Snapshotters describe mounts as
 * data ({@link Mount}); this module carries them out with mount(2)/umount2(2)
 * (./mount-native.ts, through util/linux-syscalls.ts), or, when the native
 * calls are unavailable or `KILN_NATIVE=0`, with util-linux `mount(8)` and
 * `umount(8)` (run with execFile, never a shell). Both paths give the same
 * errors: the mount, its target and the reason (errno or mount(8)'s stderr).
 *
 * Mount data convention:
 * - `bind`: `source` is the directory to bind; `options` go to `mount -o` and
 *   include `bind` or `rbind` (added when missing) plus `ro`/`rw`. A source
 *   `/proc/<pid>/fd/<n>` binds what that open file descriptor refers to.
 * - `overlay`: `source` is the absolute directory that relative paths in
 *   `lowerdir`/`upperdir`/`workdir` are relative to. mount(8) runs with that
 *   directory as its working directory (the kernel resolves relative option
 *   paths against the caller's cwd) and `overlay` as the device name. Relative
 *   paths keep the options of deep layer chains under the one-page limit.
 *   A `source` that is not an absolute path is passed through as the device.
 * - anything else: `mount -t <type> -o <options> <source> <target>`.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { Mount } from '../oci/index.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, UnavailableError } from '../util/errors.js';
import { linuxSyscalls } from '../util/linux-syscalls.js';
import { mountNative, unmountNative } from './mount-native.js';
import { rootless } from '../util/rootless.js';

/**
 * The longest option string mount(2) accepts: the kernel copies one page
 * (4096 bytes) of mount data, including the terminating NUL.
 */
export const MAX_MOUNT_OPTIONS_BYTES = 4095;

const HELD_FD = /^\/proc\/\d+\/fd\/\d+$/;

/** The argv and working directory for one `mount(8)` call. */
export interface MountCommand {
  readonly args: readonly string[];
  readonly cwd: string | undefined;
}

/**
 * Mounts `mounts` on `target` in order. On failure it undoes whatever it
 * stacked there (including a bind whose ro remount failed), leaving mounts
 * that were on `target` before.
 */
export async function mountAll(mounts: readonly Mount[], target: string): Promise<void> {
  const abs = resolve(target);
  const before = await stackDepth(abs);
  try {
    for (const m of mounts) await mountOne(m, abs);
  } catch (err) {
    for (let i = 0; i < 64 && (await stackDepth(abs)) > before; i++) {
      await umountOnce(abs, true).catch(() => undefined);
    }
    throw err;
  }
}

/**
 * Unmounts every mount stacked on `target`. Nothing mounted there (or no such
 * path) is not an error, so cleanup paths can call it unconditionally.
 * `detach` uses a lazy unmount (`umount -l`) for a busy target.
 */
export async function unmount(target: string, options: { detach?: boolean } = {}): Promise<void> {
  for (let i = 0; i < 64 && (await isMounted(target)); i++) {
    await umountOnce(await realpath(target), options.detach === true);
  }
}

/** Unmounts the top mount on the absolute `abs`: umount2(2), or umount(8) without the native calls. */
async function umountOnce(abs: string, detach: boolean): Promise<void> {
  const sys = linuxSyscalls();
  if (sys !== undefined) return unmountNative(sys, abs, detach);
  await run('umount', [...(detach ? ['-l'] : []), '--', abs], undefined, `unmount ${abs}`);
}

/** True when `target` is a mount point in this mount namespace (/proc/self/mountinfo). */
export async function isMounted(target: string): Promise<boolean> {
  return (await stackDepth(target)) > 0;
}

/** How many mounts are stacked on `target` (0 when it is missing or not a mount point). */
async function stackDepth(target: string): Promise<number> {
  const abs = await realpath(target).catch(() => undefined);
  if (abs === undefined) return 0;
  return (await mountPoints()).filter((p) => p === abs).length;
}

/** The mount points at or below `dir`, deepest first (the order to unmount them in). */
export async function mountPointsUnder(dir: string): Promise<string[]> {
  const abs = await realpath(dir).catch(() => resolve(dir));
  const under = (await mountPoints()).filter((p) => p === abs || p.startsWith(abs + sep));
  return [...new Set(under)].sort((a, b) => b.length - a.length);
}

/** The `mount(8)` call for `m` on the absolute path `target`; throws for bad mount data. */
export function mountCommand(m: Mount, target: string): MountCommand {
  if (!isAbsolute(target)) throw new InvalidArgumentError(`mount target ${target} is not an absolute path`);
  checkOptionsLength(m, target);
  const opts = (list: readonly string[]): string[] => (list.length > 0 ? ['-o', list.join(',')] : []);
  switch (m.type) {
    case 'bind': {
      const list = m.options.includes('bind') || m.options.includes('rbind') ? m.options : ['bind', ...m.options];
      // A held-open file (`/proc/<pid>/fd/<n>`) must reach mount(2) as it is: the kernel binds
      // the file it was opened on, where mount(8)'s canonicalization would look the path up again.
      const held = HELD_FD.test(m.source) ? ['--no-canonicalize'] : [];
      return { args: [...held, ...opts(list), '--', resolve(m.source), target], cwd: undefined };
    }
    case 'overlay': {
      const cwd = isAbsolute(m.source) ? m.source : undefined;
      return { args: ['-t', 'overlay', ...opts(overlayOptions(m.options)), '--', cwd === undefined ? m.source : 'overlay', target], cwd };
    }
    default:
      return { args: ['-t', m.type, ...opts(m.options), '--', m.source, target], cwd: undefined };
  }
}

/**
 * In a user namespace (rootless kiln) overlayfs cannot write its `trusted.`
 * xattrs (opaque dirs, redirects): `userxattr` makes it use `user.overlay.*`
 * instead (Linux 5.11+), which store/layer's diff then reads.
 * https://docs.kernel.org/filesystems/overlayfs.html#permission-model
 */
export function overlayOptions(options: readonly string[]): readonly string[] {
  return rootless() !== undefined && !options.includes('userxattr') ? [...options, 'userxattr'] : options;
}

/** Whether this process can mount overlayfs, and if not, why. */
export type OverlaySupport = { readonly supported: true } | { readonly supported: false; readonly reason: string };

/**
 * Probes for overlayfs by mounting a two-layer overlay (relative paths, as the
 * overlay snapshotter does) in a temp dir under `parent`, so a filesystem that
 * cannot hold upper dirs (e.g. one that is itself overlayfs) reports
 * unsupported rather than failing later. Pass a snapshot store's root to choose
 * between the overlay and the native snapshotter for it.
 */
export async function checkOverlaySupport(parent: string = tmpdir()): Promise<OverlaySupport> {
  if (process.getuid?.() !== 0) return { supported: false, reason: 'mounting needs root' };
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\boverlay$/m.test(filesystems)) return { supported: false, reason: 'the kernel has no overlay filesystem' };
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(join(parent, 'kiln-probe-'));
  const target = join(dir, 'mnt');
  try {
    await Promise.all(['a', 'b', 'upper', 'work', 'mnt'].map((d) => mkdir(join(dir, d))));
    const options = ['lowerdir=a:b', 'upperdir=upper', 'workdir=work'];
    await mountAll([{ type: 'overlay', source: dir, options }], target);
    return { supported: true };
  } catch (err) {
    return { supported: false, reason: (err as Error).message };
  } finally {
    await unmount(target, { detach: true });
    await rm(dir, { recursive: true, force: true });
  }
}

async function mountOne(m: Mount, target: string): Promise<void> {
  const cmd = mountCommand(m, target);
  if (cmd.cwd !== undefined) {
    await mustExist(cmd.cwd, `${m.type} mount source directory`);
  }
  if (m.type === 'overlay') {
    // mount(8) misreports a missing layer dir as "special device overlay does not exist".
    for (const dir of overlayDirs(m.options)) await mustExist(resolve(cmd.cwd ?? '', dir), `overlay layer directory`);
  }
  const sys = linuxSyscalls();
  // Rootless overlays need `userxattr` on the native path too (overlayOptions adds it).
  if (sys !== undefined) return mountNative(sys, m.type === 'overlay' ? { ...m, options: [...overlayOptions(m.options)] } : m, target);
  await run('mount', cmd.args, cmd.cwd, `mount ${m.type} on ${target}`);
}

async function mustExist(path: string, what: string): Promise<void> {
  await access(path).catch((err: unknown) => {
    throw new NotFoundError(`${what} ${path} does not exist`, { cause: err });
  });
}

/** The directories named by overlay's lowerdir (colon-separated, `\:` escaped), upperdir and workdir. */
function overlayDirs(options: readonly string[]): string[] {
  const dirs: string[] = [];
  for (const o of options) {
    const [name, value = ''] = o.split(/=(.*)/s);
    if (name === 'lowerdir') dirs.push(...value.split(/(?<!\\):/).map((d) => d.replace(/\\:/g, ':')));
    if (name === 'upperdir' || name === 'workdir') dirs.push(value);
  }
  return dirs;
}

function checkOptionsLength(m: Mount, target: string): void {
  const bytes = Buffer.byteLength(m.options.join(','));
  if (bytes > MAX_MOUNT_OPTIONS_BYTES) {
    throw new InvalidArgumentError(
      `${m.type} mount on ${target}: options are ${bytes} bytes, the kernel accepts at most ${MAX_MOUNT_OPTIONS_BYTES} (one page)`,
    );
  }
}

/** Runs a util-linux tool; failures carry its stderr in the message. */
function run(cmd: string, args: readonly string[], cwd: string | undefined, what: string): Promise<void> {
  return new Promise((done, fail) => {
    const env = { ...process.env, LC_ALL: 'C' };
    execFile(cmd, args, { cwd, env }, (err, _stdout, stderr) => {
      if (err === null) return done();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return fail(new UnavailableError(`${what}: ${cmd}(8) not found on PATH (install util-linux)`, { cause: err }));
      }
      const detail = String(stderr).trim().replace(/\s*\n\s*/g, ' ') || err.message;
      fail(new FailedPreconditionError(`${what} failed: ${detail}`, { cause: err }));
    });
  });
}

/** Mount points from /proc/self/mountinfo (field 5), with octal escapes decoded. */
async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field !== undefined) points.push(unescapeOctal(field));
  }
  return points;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
