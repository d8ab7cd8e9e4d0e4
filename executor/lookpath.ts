/**
 * Finds the command before starting the container, the way the runtime
 * will (Go's exec.LookPath with the container's PATH), so a missing command
 * fails fast with Docker's message and exit code 127 instead of the
 * runtime's log line. When a bind mount could provide the command, or PATH
 * is relative, the check defers to the runtime.
 */
import { statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { ContainerStartError } from './errors.js';
import { resolveInRootSync } from './rootfs-path.js';

/** What the check needs from the container's process. */
export interface CommandSpec {
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly cwd: string;
}

/**
 * A ContainerStartError when `proc.args[0]` certainly does not exist in the
 * rootfs at `rootfs`; undefined when it exists or the runtime must decide.
 * `mounted` are container paths that extra mounts will cover.
 */
export async function missingCommand(rootfs: string, proc: CommandSpec, mounted: readonly string[]): Promise<ContainerStartError | undefined> {
  const name = proc.args[0] ?? '';
  const covered = (p: string): boolean => mounted.some((m) => p === m || p.startsWith(m.endsWith('/') ? m : `${m}/`));
  if (name.includes('/')) {
    const path = posix.resolve(proc.cwd, name);
    if (covered(path)) return undefined;
    const st = statInRoot(rootfs, path);
    if (st === undefined) return new ContainerStartError(`exec: ${JSON.stringify(name)}: stat ${name}: no such file or directory`, 127);
    // execve(2) refuses these even to root; said here in runc's words, since crun's message does not name the path.
    if (st.isDirectory() || (st.mode & 0o111) === 0) return new ContainerStartError(`exec: ${JSON.stringify(name)}: permission denied`, 126);
    return undefined;
  }
  const dirs = (lastEnv(proc.env, 'PATH') ?? '').split(':');
  for (const dir of dirs) {
    const path = posix.join(dir, name);
    if (!dir.startsWith('/') || covered(path)) return undefined;
    const st = statInRoot(rootfs, path);
    if (st !== undefined && !st.isDirectory() && (st.mode & 0o111) !== 0) return undefined;
  }
  return new ContainerStartError(`exec: ${JSON.stringify(name)}: executable file not found in $PATH`, 127);
}

function statInRoot(rootfs: string, path: string): Stats | undefined {
  // Every symlink is resolved inside the rootfs, so this stat cannot leave it.
  try {
    return statSync(resolveInRootSync(rootfs, path));
  } catch {
    return undefined;
  }
}

function lastEnv(env: readonly string[], key: string): string | undefined {
  let value: string | undefined;
  for (const e of env) if (e.startsWith(`${key}=`)) value = e.slice(key.length + 1);
  return value;
}
