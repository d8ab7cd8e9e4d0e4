/**
 * A second process in a running container (`runtime exec --process FILE`),
 * as `docker exec` makes one: the container's environment plus the
 * caller's, its user unless one is given (resolved in the container's
 * /etc/passwd), its working directory unless one is given, and the same
 * capability rules as the container's own process.
 * https://github.com/opencontainers/runc/blob/v1.1.5/man/runc-exec.8.md
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '../util/errors.js';
import { ifExists } from '../util/if-exists.js';
import { resolveUser, type ResolvedUser } from '../util/user.js';
import type { BundlePaths } from './bundle.js';
import { runExecProcess } from './container-process.js';
import { missingCommand } from './lookpath.js';
import type { OciProcess, OciSpec } from './oci.js';
import type { RuntimeHandle } from './runtime-cli.js';
import { containerEnv } from './spec.js';
import { DEFAULT_CAPABILITIES } from './spec-defaults.js';
import type { RunOptions } from './types.js';

/** What to run in the container. */
export interface ExecSpec {
  readonly args: readonly string[];
  /** `KEY=value` entries added to the container's environment. */
  readonly env?: readonly string[];
  /** Default: the container's working directory. */
  readonly cwd?: string;
  /** Docker-style user; default: the container's. */
  readonly user?: string;
  readonly tty?: boolean;
}

/** Runs `spec` in container `id` (its bundle at `paths`); resolves with its exit code. */
export async function execInContainer(handle: RuntimeHandle, id: string, paths: BundlePaths, spec: ExecSpec, options: RunOptions): Promise<number> {
  const text = await ifExists(readFile(paths.config, 'utf8'));
  if (text === undefined) throw new FailedPreconditionError(`container ${id} is not running`);
  const config = JSON.parse(text) as OciSpec;
  const tty = spec.tty === true;
  const user: Pick<ResolvedUser, 'uid' | 'gid' | 'additionalGids' | 'home'> =
    spec.user === undefined ? { ...config.process.user, additionalGids: config.process.user.additionalGids ?? [], home: homeOf(config.process.env) } : await resolveUser(paths.rootfs, spec.user);
  const cwd = spec.cwd ?? config.process.cwd;
  const env = containerEnv([...config.process.env.filter((e) => !e.startsWith('TERM=')), ...(spec.env ?? [])], { hostname: config.hostname, tty, home: user.home });
  const missing = await missingCommand(paths.rootfs, { args: spec.args, env, cwd }, config.mounts.filter((m) => m.type === 'bind' && !m.destination.startsWith('/etc/')).map((m) => m.destination));
  if (missing !== undefined) throw missing;
  const process: OciProcess = {
    terminal: tty,
    user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length > 0 ? { additionalGids: user.additionalGids } : {}) },
    args: spec.args,
    env,
    cwd,
    capabilities: user.uid === 0 ? { bounding: DEFAULT_CAPABILITIES, effective: DEFAULT_CAPABILITIES, permitted: DEFAULT_CAPABILITIES } : { bounding: DEFAULT_CAPABILITIES },
    noNewPrivileges: true,
  };
  const file = join(paths.dir, `exec-${randomBytes(6).toString('hex')}.json`);
  const logFile = `${file.slice(0, -'.json'.length)}.log`;
  await writeFile(file, JSON.stringify(process));
  try {
    return await runExecProcess({ handle, id, processFile: file, logFile, tty, stdio: options.stdio, signal: options.signal, onStart: options.onStart });
  } finally {
    await Promise.all([rm(file, { force: true }), rm(logFile, { force: true })]);
  }
}

function homeOf(env: readonly string[]): string {
  return env.find((e) => e.startsWith('HOME='))?.slice('HOME='.length) ?? '/';
}
