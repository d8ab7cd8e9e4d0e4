/**
 * Choosing the OCI runtime: `--runtime runc|crun|PATH` (or `KILN_RUNTIME`),
 * by default runc, then crun, from PATH (crun starts a container in about
 * half runc's time, but is not the default yet: see resolveRuntime). crun refuses hosts that mount cgroup v1 and v2 side by
 * side ("cgroups in hybrid mode not supported"); there every crun command
 * starts in a private mount namespace without the cgroup2 mount, where crun
 * sees plain cgroup v1: entered with system calls around the spawn
 * (./runtime-ns.ts, `hiddenMounts`), or, without the native calls
 * (`KILN_NATIVE=0`), through a wrapper command (unshare(1) + umount(8)).
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { InvalidArgumentError, UnavailableError } from '../util/errors.js';
import { linuxSyscalls } from '../util/linux-syscalls.js';

/** The command-line dialect of a runtime. */
export type RuntimeKind = 'runc' | 'crun';

/** A resolved OCI runtime. */
export interface Runtime {
  readonly kind: RuntimeKind;
  /** Absolute path of the runtime binary. */
  readonly path: string;
  /** Argv that runs before the binary (the binary path and its arguments follow), or empty. */
  readonly wrapper: readonly string[];
  /** Mount points the runtime must not see, hidden around each spawn with system calls (./runtime-ns.ts); usually empty. */
  readonly hiddenMounts: readonly string[];
  /** One-line notes about the choice (a wrapper, a fallback) for the caller to show; library code never prints. */
  readonly notes: readonly string[];
}

export interface ResolveRuntimeOptions {
  /** `runc`, `crun` or a path to a runc- or crun-compatible binary. Default: `KILN_RUNTIME`, else runc, then crun. */
  readonly runtime?: string;
  /** Environment (`KILN_RUNTIME`, `KILN_NATIVE`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Search path. @default process.env.PATH */
  readonly path?: string;
  /** /proc/self/mountinfo's text (tests pass their own). */
  readonly mountinfo?: string;
}

/** How the host mounts cgroups. */
export interface CgroupLayout {
  readonly v1: boolean;
  /** Mount points of cgroup2 filesystems. */
  readonly v2Mounts: readonly string[];
}

const PACKAGES = 'apt-get install runc (or: apt-get install crun)';

/** Resolves the runtime to use; throws UnavailableError naming the Debian packages when there is none. */
export async function resolveRuntime(options: ResolveRuntimeOptions = {}): Promise<Runtime> {
  const search = options.path ?? process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin';
  const layout = cgroupLayout(options.mountinfo ?? (await readFile('/proc/self/mountinfo', 'utf8')));
  const env = options.env ?? process.env;
  const choice = options.runtime ?? env.KILN_RUNTIME;
  const native = linuxSyscalls(env) !== undefined;
  if (choice === undefined || choice === '') {
    // runc stays the default until kiln's sweep cleans up after a crun killed with its kiln (cli/sweep.e2e.test.ts).
    const runc = await findOnPath('runc', search);
    if (runc !== undefined) return plain('runc', runc);
    const crun = await findOnPath('crun', search);
    if (crun !== undefined) return withCrunWorkaround(crun, layout, search, native);
    throw new UnavailableError(`no OCI runtime found on PATH: ${PACKAGES}`);
  }
  if (choice === 'runc' || choice === 'crun') {
    const found = await findOnPath(choice, search);
    if (found === undefined) throw new UnavailableError(`runtime ${choice} not found on PATH: apt-get install ${choice}`);
    return choice === 'runc' ? plain('runc', found) : withCrunWorkaround(found, layout, search, native);
  }
  if (!choice.includes('/')) {
    throw new InvalidArgumentError(`unknown runtime ${JSON.stringify(choice)}: expected runc, crun or a path to a runtime binary`);
  }
  if (!(await isExecutable(choice))) throw new UnavailableError(`runtime ${choice} does not exist or is not executable`);
  const kind = await kindOf(choice);
  return kind === 'runc' ? plain('runc', choice) : withCrunWorkaround(choice, layout, search, native);
}

/** Reads cgroup mounts from mountinfo text (fstype is the first field after ` - `). */
export function cgroupLayout(mountinfo: string): CgroupLayout {
  let v1 = false;
  const v2Mounts: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left = '', right = ''] = line.split(' - ');
    const fstype = right.split(' ')[0];
    if (fstype === 'cgroup') v1 = true;
    const point = left.split(' ')[4];
    if (fstype === 'cgroup2' && point !== undefined) v2Mounts.push(point.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return { v1, v2Mounts };
}

/**
 * The wrapper that hides cgroup2 mounts from crun on a hybrid host:
 * `unshare --mount --propagation private -- sh -c 'umount -l M... && exec "$0" "$@"'`.
 * Empty when the layout is not hybrid.
 */
export function crunWrapper(layout: CgroupLayout, tools: { unshare: string; sh: string }): string[] {
  if (!layout.v1 || layout.v2Mounts.length === 0) return [];
  const points = layout.v2Mounts.map(shellQuote).join(' ');
  return [tools.unshare, '--mount', '--propagation', 'private', '--', tools.sh, '-c', `umount -l ${points} && exec "$0" "$@"`];
}

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function plain(kind: RuntimeKind, path: string): Runtime {
  return { kind, path, wrapper: [], hiddenMounts: [], notes: [] };
}

async function withCrunWorkaround(path: string, layout: CgroupLayout, search: string, native: boolean): Promise<Runtime> {
  if (!layout.v1 || layout.v2Mounts.length === 0) return plain('crun', path);
  if (native) return { ...plain('crun', path), hiddenMounts: layout.v2Mounts };
  const [unshare, sh] = await Promise.all([findOnPath('unshare', search), findOnPath('sh', search)]);
  if (unshare !== undefined && sh !== undefined) {
    const note = 'crun refuses hybrid cgroups; running it in a private mount namespace without the cgroup2 mount';
    return { ...plain('crun', path), wrapper: crunWrapper(layout, { unshare, sh }), notes: [note] };
  }
  const runc = await findOnPath('runc', search);
  if (runc === undefined) {
    throw new UnavailableError('crun refuses this host\'s hybrid cgroup layout and unshare(1) is missing: apt-get install util-linux runc');
  }
  return { ...plain('runc', runc), notes: ['crun refuses hybrid cgroups and unshare(1) is missing; using runc'] };
}

async function kindOf(path: string): Promise<RuntimeKind> {
  const name = basename(path);
  if (name.includes('crun')) return 'crun';
  if (name.includes('runc')) return 'runc';
  const version = await new Promise<string>((done) => {
    execFile(path, ['--version'], { timeout: 5000 }, (_err, stdout) => done(String(stdout)));
  });
  if (/^crun version/m.test(version)) return 'crun';
  if (/^runc version/m.test(version)) return 'runc';
  throw new InvalidArgumentError(`runtime ${path} is neither runc nor crun (its --version says ${JSON.stringify(version.split('\n')[0] ?? '')})`);
}

async function findOnPath(name: string, search: string): Promise<string | undefined> {
  for (const dir of search.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
