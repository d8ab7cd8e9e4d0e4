/**
 * The runtime's command line (runc and crun share it, except log flags):
 * https://github.com/opencontainers/runc/blob/v1.1.5/man/runc.8.md
 */
import { execFile as nodeExecFile, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError, UnavailableError } from '../util/errors.js';
import { linuxSyscalls } from '../util/linux-syscalls.js';
import type { Runtime } from './runtime.js';
import { forkWithout } from './runtime-ns.js';

/** A runtime plus the state directory (`--root`) kiln gives it. */
export interface RuntimeHandle {
  readonly runtime: Runtime;
  readonly root: string;
}

/** The argv (command first) for `runtime --root R [--log L] <args>`. */
export function runtimeArgv(h: RuntimeHandle, args: readonly string[], logFile?: string): string[] {
  const log =
    logFile === undefined ? [] : h.runtime.kind === 'crun' ? [`--log=file:${logFile}`, '--log-format=json'] : ['--log', logFile, '--log-format', 'json'];
  return [...h.runtime.wrapper, h.runtime.path, '--root', h.root, ...log, ...args];
}

/**
 * Calls `fork` (a synchronous spawn of the runtime, or of a program that
 * execs it) so that the runtime starts where it accepts the host's cgroups:
 * in a private mount namespace without {@link Runtime.hiddenMounts}.
 */
export function forkRuntime<T>(runtime: Runtime, fork: () => T): T {
  const sys = runtime.hiddenMounts.length > 0 ? linuxSyscalls() : undefined;
  return sys === undefined ? fork() : forkWithout(sys, runtime.hiddenMounts, fork);
}

/** node's execFile, started through {@link forkRuntime}. */
function execFile(
  h: RuntimeHandle,
  cmd: string,
  args: readonly string[],
  options: { timeout: number },
  done: (err: Error | null, stdout: string, stderr: string) => void,
): ChildProcess {
  return forkRuntime(h.runtime, () => nodeExecFile(cmd, args, { ...options, encoding: 'utf8' }, done));
}

/** Whether the runtime has state for container `id` (runc and crun keep a directory per container). */
export async function hasState(h: RuntimeHandle, id: string): Promise<boolean> {
  return access(join(h.root, id)).then(
    () => true,
    () => false,
  );
}

/** `kill <id> <signal>` (a name such as TERM or SIGHUP, or a number); resolves false when the container does not exist (yet, or any more). */
export async function killContainer(h: RuntimeHandle, id: string, signal: string): Promise<boolean> {
  if (!(await hasState(h, id))) return false;
  return runQuiet(h, ['kill', id, signal]).then(
    () => true,
    () => false,
  );
}

/** `delete --force <id>`: kills what is left and removes the runtime's state. */
export async function deleteContainer(h: RuntimeHandle, id: string): Promise<void> {
  if (!(await hasState(h, id))) return;
  try {
    await runQuiet(h, ['delete', '--force', id]);
  } catch (err) {
    if (await hasState(h, id)) throw err;
  }
}

/** Runs a short runtime command; failures carry its stderr. */
function runQuiet(h: RuntimeHandle, args: readonly string[]): Promise<void> {
  const [cmd = '', ...rest] = runtimeArgv(h, args);
  return new Promise((done, fail) => {
    execFile(h, cmd, rest, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err === null) return done();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return fail(new UnavailableError(`${h.runtime.kind} not found at ${cmd}`, { cause: err }));
      }
      const detail = String(stderr).trim().split('\n').pop() ?? err.message;
      fail(new FailedPreconditionError(`${h.runtime.kind} ${args.join(' ')} failed: ${detail}`, { cause: err }));
    });
  });
}

/** `state <id>`: the container's status and init pid, or undefined when it does not exist. */
export async function containerState(h: RuntimeHandle, id: string): Promise<{ readonly status: string; readonly pid: number } | undefined> {
  if (!(await hasState(h, id))) return undefined;
  const [cmd = '', ...rest] = runtimeArgv(h, ['state', id]);
  return new Promise((done) => {
    execFile(h, cmd, rest, { timeout: 30_000 }, (err, stdout) => {
      if (err !== null) return done(undefined);
      try {
        const s = JSON.parse(String(stdout)) as { status?: unknown; pid?: unknown };
        done({ status: String(s.status), pid: typeof s.pid === 'number' ? s.pid : 0 });
      } catch {
        done(undefined);
      }
    });
  });
}

/** `ps --format json <id>`: the host pids of the container's processes. */
export async function containerPids(h: RuntimeHandle, id: string): Promise<number[]> {
  if (!(await hasState(h, id))) throw new FailedPreconditionError(`container ${id} is not running`);
  const [cmd = '', ...rest] = runtimeArgv(h, ['ps', '--format', 'json', id]);
  return new Promise((done, fail) => {
    execFile(h, cmd, rest, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null) return fail(new FailedPreconditionError(`${h.runtime.kind} ps ${id} failed: ${String(stderr).trim() || err.message}`, { cause: err }));
      const pids = JSON.parse(String(stdout) || '[]') as unknown;
      done(Array.isArray(pids) ? pids.filter((p): p is number => typeof p === 'number') : []);
    });
  });
}
