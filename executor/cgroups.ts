/**
 * The cgroup kiln makes around a container's (its "sandbox" cgroup, like a
 * Kubernetes pod cgroup): `<own cgroup>/kiln-<id>/` in every hierarchy, with
 * the runtime's cgroup `kiln-<id>/<id>` inside it (the spec's cgroupsPath,
 * relative to the runtime's own cgroup, which is kiln's).
 *
 * Why a second memory limit sits here, one page below the spec's: the
 * runtime removes its cgroup the moment the container's init exits, and on
 * cgroup v1 an OOM kill is counted only in the cgroup whose limit was hit
 * (memory.oom_control `oom_kill`, not propagated to parents). Charges go
 * from the container's cgroup up; with the sandbox one page lower, the
 * sandbox is always the one that hits its limit, its counter survives the
 * container, and kiln reads it afterwards (`OOMKilled`). The container still
 * sees its own limit (linux.resources.memory). On cgroup v2 the same layout
 * works with memory.max / memory.swap.max.
 *
 * Hybrid hosts (v1 controllers plus a v2 unified mount, as here) and pure
 * v2 hosts are told apart from /proc/self/cgroup and mountinfo.
 * https://docs.kernel.org/admin-guide/cgroup-v1/memory.html
 * https://docs.kernel.org/admin-guide/cgroup-v2.html#memory-interface-files
 */
import { closeSync, constants, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FailedPreconditionError } from '../util/errors.js';
import { ifExists } from '../util/if-exists.js';
import type { ResourceLimits } from './types.js';

const PAGE = 4096;

/** Whether the kernel accounts swap per cgroup here (a swap limit can be set). */
export function swapAccounting(dirs: readonly CgroupDir[] = selfCgroupDirs()): boolean {
  const mem = memoryDir(dirs);
  if (mem === undefined) return false;
  return existsSync(join(mem.dir, mem.version === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max'));
}

/** This process's cgroup directory in one hierarchy. */
export interface CgroupDir {
  /** 2 for the unified hierarchy. */
  readonly version: 1 | 2;
  /** v1 controllers of the hierarchy (`memory`, `name=systemd`, …); empty for v2. */
  readonly controllers: readonly string[];
  readonly dir: string;
  /** Where the hierarchy is mounted (`dir` is below it). */
  readonly mount: string;
  /** This process's cgroup from the mount point, as an absolute path (`/` when `dir` is the mount point). */
  readonly path: string;
}

/** Parses /proc/self/cgroup against mountinfo: where this process sits in each mounted hierarchy. */
export function ownCgroupDirs(procCgroup: string, mountinfo: string): CgroupDir[] {
  const mounts = mountinfo.split('\n').flatMap((line) => {
    const [left = '', right = ''] = line.split(' - ');
    const [fstype = '', , superOpts = ''] = right.split(' ');
    const f = left.split(' ');
    if ((fstype !== 'cgroup' && fstype !== 'cgroup2') || f[3] === undefined || f[4] === undefined) return [];
    return [{ fstype, root: unescape(f[3]), point: unescape(f[4]), opts: superOpts.split(',') }];
  });
  const out: CgroupDir[] = [];
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (m === null) continue;
    const controllers = m[2] === '' ? [] : (m[2] ?? '').split(',');
    const path = m[3] ?? '/';
    const v2 = m[1] === '0' && controllers.length === 0;
    const mount = mounts.find((x) => (v2 ? x.fstype === 'cgroup2' : x.fstype === 'cgroup' && controllers.every((c) => x.opts.includes(c))));
    if (mount === undefined) continue;
    const rel = relative(mount.root, path);
    if (rel.startsWith('..')) continue;
    out.push({ version: v2 ? 2 : 1, controllers, dir: join(mount.point, rel), mount: mount.point, path: join('/', rel) });
  }
  return out;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** This process's cgroup dirs (read once). */
let own: CgroupDir[] | undefined;
export function selfCgroupDirs(): CgroupDir[] {
  own ??= ownCgroupDirs(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'));
  return own;
}

/** The sandbox cgroup's name for a container. */
export function sandboxName(id: string): string {
  return `kiln-${id}`;
}

/**
 * Where a runtime's cgroups go. `relative` (runc): the spec's cgroupsPath is
 * relative to the runtime's own cgroup in each hierarchy. `anchored` (crun,
 * which reads a relative cgroupsPath from each hierarchy's root): kiln gives an
 * absolute cgroupsPath under its own memory cgroup, so the sandbox that counts
 * OOM kills is still the container's parent; in the other hierarchies the
 * same path is made from their roots.
 */
export type SandboxPlacement = 'relative' | 'anchored';

/** Every directory the sandbox has (or will have) across the hierarchies. */
export function sandboxDirs(id: string, dirs: readonly CgroupDir[] = selfCgroupDirs(), placement: SandboxPlacement = 'relative'): string[] {
  const mem = memoryDir(dirs);
  if (placement === 'relative' || mem === undefined) return dirs.map((d) => join(d.dir, sandboxName(id)));
  return dirs.map((d) => join(d.mount, mem.path, sandboxName(id)));
}

/** The spec's cgroupsPath for container `id` inside its sandbox. */
export function sandboxCgroupsPath(id: string, dirs: readonly CgroupDir[] = selfCgroupDirs(), placement: SandboxPlacement = 'relative'): string {
  const mem = memoryDir(dirs);
  if (placement === 'relative' || mem === undefined) return `${sandboxName(id)}/${id}`;
  return join(mem.path, sandboxName(id), id);
}

/** Where memory is limited: the v1 memory hierarchy, else the unified one. */
function memoryDir(dirs: readonly CgroupDir[]): CgroupDir | undefined {
  return dirs.find((d) => d.version === 1 && d.controllers.includes('memory')) ?? dirs.find((d) => d.version === 2);
}

/**
 * Makes the sandbox cgroup and sets its memory limit; returns every
 * directory the sandbox will have (the runtime makes the others), for
 * {@link removeSandbox} and the sweep.
 */
export async function createSandbox(
  id: string,
  limits: ResourceLimits,
  dirs: readonly CgroupDir[] = selfCgroupDirs(),
  placement: SandboxPlacement = 'relative',
): Promise<string[]> {
  const name = sandboxName(id);
  const all = sandboxDirs(id, dirs, placement);
  const mem = memoryDir(dirs);
  if (limits.memoryBytes === undefined) return all;
  if (mem === undefined) throw new FailedPreconditionError('cannot limit memory: no memory cgroup controller is mounted on this host');
  const dir = join(mem.dir, name);
  await mkdir(dir, { recursive: true });
  const memory = limits.memoryBytes - PAGE;
  const swap = limits.memorySwapBytes ?? limits.memoryBytes * 2; // Docker: unset means as much swap as memory
  if (mem.version === 1) {
    await writeFile(join(dir, 'memory.limit_in_bytes'), String(memory));
    // memsw exists only with swap accounting; without it swap is not limited (Docker warns the same).
    await ifExists(writeFile(join(dir, 'memory.memsw.limit_in_bytes'), swap === -1 ? '-1' : String(swap - PAGE), { flag: 'r+' }));
  } else {
    await writeFile(join(dir, 'memory.max'), String(memory));
    await ifExists(writeFile(join(dir, 'memory.swap.max'), swap === -1 ? 'max' : String(swap - limits.memoryBytes), { flag: 'r+' }));
  }
  return all;
}

/**
 * Whether the kernel OOM-killed a process of the sandbox (call after the
 * container exited, before {@link removeSandbox}). cgroup v2: the
 * sandbox's memory.events counts kills below it. cgroup v1 counts a kill in
 * the victim's own cgroup, which the runtime has removed by now; the
 * sandbox's failcnt says its limit was hit, and the kernel log's `oom-kill:`
 * record names the victim's cgroup (what cAdvisor reads too). Without
 * access to /dev/kmsg, a hit limit and death by SIGKILL count as OOM.
 */
export async function sandboxOomKilled(id: string, exitCode: number, dirs: readonly CgroupDir[] = selfCgroupDirs()): Promise<boolean> {
  const mem = memoryDir(dirs);
  if (mem === undefined) return false;
  const dir = join(mem.dir, sandboxName(id));
  if (mem.version === 2) {
    const m = /^oom_kill (\d+)$/m.exec((await ifExists(readFile(join(dir, 'memory.events'), 'utf8'))) ?? '');
    return m !== null && Number(m[1]) > 0;
  }
  const failcnt = Number((await ifExists(readFile(join(dir, 'memory.failcnt'), 'utf8'))) ?? '0');
  if (!(failcnt > 0)) return false;
  const logged = kernelLogNamesOomKill(`/${sandboxName(id)}/`);
  return logged ?? exitCode === 137;
}

/** Whether /dev/kmsg holds an `oom-kill:` record whose task_memcg contains `fragment`; undefined when it cannot be read. */
function kernelLogNamesOomKill(fragment: string): boolean | undefined {
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const buf = Buffer.alloc(8192);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // records overwritten while reading: go on with the next
        if (code === 'EAGAIN') return false;
        return undefined;
      }
      if (n === 0) return false;
      const rec = buf.toString('utf8', 0, n);
      const memcg = /task_memcg=([^,\n]*)/.exec(rec)?.[1];
      if (rec.includes('oom-kill:') && memcg !== undefined && memcg.includes(fragment)) return true;
    }
  } finally {
    closeSync(fd);
  }
}

/** Removes the sandbox's directories (empty once the runtime deleted its cgroup); ENOENT is fine. */
export async function removeSandbox(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    // The runtime's own cgroup below may linger for a moment after a kill.
    for (let attempt = 0; ; attempt++) {
      try {
        await ifExists(rmdir(p));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 20) throw err;
        await new Promise((done) => setTimeout(done, 25));
      }
    }
  }
}

/**
 * Rootless kiln makes no cgroups (the hierarchies belong to real root; using
 * a delegated cgroup v2 subtree is not implemented), so a limit is refused
 * rather than silently not enforced.
 */
export function refuseRootlessLimits(l: ResourceLimits): void {
  const flags = [
    l.memoryBytes !== undefined ? '--memory' : '',
    l.memorySwapBytes !== undefined ? '--memory-swap' : '',
    l.nanoCpus !== undefined && l.nanoCpus > 0 ? '--cpus' : '',
    l.cpuShares !== undefined && l.cpuShares > 0 ? '--cpu-shares' : '',
    l.pids !== undefined && l.pids > 0 ? '--pids-limit' : '',
  ].filter((f) => f !== '');
  if (flags.length === 0) return;
  throw new FailedPreconditionError(
    `${flags.join(', ')} cannot be enforced by rootless kiln: it runs containers without cgroups of their own (cgroup v2 delegation is not implemented); run kiln as root for resource limits`,
  );
}
