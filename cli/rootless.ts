/**
 * Rootless kiln: an ordinary user's kiln re-executes itself once, at start,
 * inside a new user and mount namespace where it is uid 0 (like rootlesskit's
 * child, or podman's re-exec). Everything after that (overlay mounts, chown,
 * the OCI runtime, pasta) runs in that one namespace, so no step pays for an
 * `unshare` of its own, and the mounts go when the namespace's last process
 * does.
 *
 * Identity mapping, as podman does it: with a subordinate range in
 * /etc/subuid and /etc/subgid, `newuidmap`/`newgidmap` (Debian `uidmap`) map
 * container 0 to the user and 1..65535 onto the range; without one, only the
 * user is mapped, as 0, and a chown to any other id fails (cli/errors.ts then
 * names `usermod --add-subuids`).
 *
 * The handshake: `unshare --user --mount` execs `sh`, which says "ready" on
 * fd 3 and waits; this process writes the maps of that pid, answers "go", and
 * sh execs node on kiln again with `KILN_ROOTLESS` describing the namespace
 * (util/rootless.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants, userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import { FailedPreconditionError, UnavailableError } from '../util/errors.js';
import { findTool } from '../util/host-tools.js';
import { ROOTLESS_ENV, type RootlessInfo } from '../util/rootless.js';

/** Commands that never touch the root: they run as the user, without a namespace. */
const OUTSIDE = new Set(['parse', 'version', 'login', 'logout', 'help', 'completion']);
/** Global options that take a value (`--root DIR`). */
const VALUED = new Set(['--root', '--runtime']);

/** How many container ids a range maps (0..65535, as docker and podman do). */
export const RANGE = 65536;

/** Whether kiln, run with `argv` as `uid`, must first enter its user namespace. */
export function needsUserNamespace(argv: readonly string[], uid: number, env: NodeJS.ProcessEnv = process.env): boolean {
  if (uid === 0 || (env[ROOTLESS_ENV] ?? '') !== '') return false;
  const command = commandOf(argv);
  return command !== undefined && !OUTSIDE.has(command);
}

/** The first word of `argv` that is not a global option (undefined for `kiln --help`). */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return argv[i + 1];
    if (VALUED.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** A subordinate id range from /etc/subuid or /etc/subgid. */
export interface SubRange {
  readonly start: number;
  readonly count: number;
}

/** The first range of `user` (by name or id) in a subuid/subgid file's text. */
export function subRange(text: string, user: string, id: number): SubRange | undefined {
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if (who !== user && who !== String(id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && c > 0) return { start: s, count: c };
  }
  return undefined;
}

/** newuidmap's arguments after the pid: 0 → the user, 1.. → the range. */
export function mapArgs(id: number, range: SubRange | undefined): string[] {
  const args = ['0', String(id), '1'];
  if (range !== undefined) args.push('1', String(range.start), String(Math.min(range.count, RANGE - 1)));
  return args;
}

/** Why this host refuses unprivileged user namespaces, or undefined when it allows them. */
export function userNamespaceRefusal(read: (path: string) => string | undefined = readProc): string | undefined {
  if (read('/proc/sys/kernel/unprivileged_userns_clone')?.trim() === '0') {
    return 'unprivileged user namespaces are disabled on this host (kernel.unprivileged_userns_clone = 0): as root, run sysctl -w kernel.unprivileged_userns_clone=1';
  }
  if (read('/proc/sys/user/max_user_namespaces')?.trim() === '0') {
    return 'user namespaces are disabled on this host (user.max_user_namespaces = 0): as root, run sysctl -w user.max_user_namespaces=28633';
  }
  return undefined;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** What the namespace will map, checked before anything starts. */
export interface Plan {
  readonly info: RootlessInfo;
  readonly uidRange: SubRange | undefined;
  readonly gidRange: SubRange | undefined;
  readonly newuidmap: string | undefined;
  readonly newgidmap: string | undefined;
}

/** Checks the host and the user's ranges; throws naming the sysctl or package at fault. */
export async function planUserNamespace(path = process.env.PATH ?? '/usr/bin:/bin'): Promise<Plan> {
  const refusal = userNamespaceRefusal();
  if (refusal !== undefined) throw new FailedPreconditionError(`kiln cannot run rootless: ${refusal}`);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const user = userName(uid);
  const uidRange = subRange(readText('/etc/subuid'), user, uid);
  const gidRange = subRange(readText('/etc/subgid'), user, gid === uid ? uid : gid) ?? subRange(readText('/etc/subgid'), user, uid);
  const ranged = uidRange !== undefined && gidRange !== undefined;
  const [newuidmap, newgidmap] = await Promise.all([findTool(['newuidmap'], `${path}:/usr/bin`), findTool(['newgidmap'], `${path}:/usr/bin`)]);
  if (ranged && (newuidmap === undefined || newgidmap === undefined)) {
    throw new UnavailableError(`newuidmap not found: apt-get install uidmap (rootless kiln maps ${user}'s subordinate ids from /etc/subuid with it)`);
  }
  if ((await findTool(['unshare'], `${path}:/usr/bin`)) === undefined) throw new UnavailableError('unshare not found: apt-get install util-linux');
  return {
    info: { uid, gid, user, mapping: ranged ? 'range' : 'self' },
    uidRange: ranged ? uidRange : undefined,
    gidRange: ranged ? gidRange : undefined,
    newuidmap,
    newgidmap,
  };
}

function userName(uid: number): string {
  try {
    return userInfo().username;
  } catch {
    return String(uid); // no passwd entry
  }
}

const SH = 'printf r >&3; read -r go <&3; [ "$go" = g ] || exit 125; exec "$@" 3<&-';

/**
 * Runs this kiln again as `argv` inside a new user and mount namespace and
 * returns its exit code (128+N when a signal ended it).
 */
export async function runInUserNamespace(argv: readonly string[], plan: Plan): Promise<number> {
  const self = [...process.execArgv, process.argv[1] ?? ''];
  const flags = ['--user', '--mount', '--propagation', 'private'];
  if (plan.info.mapping === 'self') flags.push('--map-root-user');
  const env = { ...process.env, [ROOTLESS_ENV]: JSON.stringify(plan.info) };
  const cmd = plan.info.mapping === 'self' ? [process.execPath, ...self, ...argv] : ['/bin/sh', '-c', SH, 'kiln', process.execPath, ...self, ...argv];
  const child = spawn('unshare', [...flags, '--', ...cmd], { stdio: ['inherit', 'inherit', 'inherit', plan.info.mapping === 'self' ? 'ignore' : 'pipe'], env });
  const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
  // Ctrl-C reaches the child from the terminal (same process group); a kill aimed at this pid is passed on.
  const onInt = (): void => undefined;
  process.on('SIGINT', onInt);
  for (const s of ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.on(s, forward);
  try {
    const exited = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
    });
    if (plan.info.mapping === 'range') await handshake(child.pid ?? 0, child.stdio[3] as Duplex, plan, exited);
    return await exited;
  } finally {
    process.off('SIGINT', onInt);
    for (const s of ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.off(s, forward);
  }
}

async function handshake(pid: number, fd3: Duplex, plan: Plan, exited: Promise<number>): Promise<void> {
  const ready = new Promise<boolean>((resolve) => {
    fd3.once('data', () => resolve(true));
    fd3.once('close', () => resolve(false));
    void exited.then(() => resolve(false));
  });
  if (!(await ready)) {
    fd3.destroy();
    const code = await exited;
    throw new FailedPreconditionError(`kiln cannot run rootless: unshare --user --mount failed (exit ${code}); is creating user namespaces allowed here?`);
  }
  for (const [tool, range, id, kind] of [
    [plan.newuidmap, plan.uidRange, plan.info.uid, 'uid'],
    [plan.newgidmap, plan.gidRange, plan.info.gid, 'gid'],
  ] as const) {
    const r = spawnSync(tool ?? `new${kind}map`, [String(pid), ...mapArgs(id, range)], { encoding: 'utf8' });
    if (r.status !== 0) {
      fd3.end('x\n');
      await exited;
      const why = (r.stderr ?? r.error?.message ?? '').trim();
      throw new FailedPreconditionError(
        `kiln cannot run rootless: new${kind}map ${pid} ${mapArgs(id, range).join(' ')} failed: ${why} (check ${plan.info.user}'s range in /etc/sub${kind})`,
      );
    }
  }
  fd3.end('g\n');
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (constants.signals[signal] ?? 0);
}
