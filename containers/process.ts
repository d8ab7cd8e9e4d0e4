/**
 * Docker's rules for what `kiln run` executes, from the image config and the
 * command line: Entrypoint/Cmd, Env, WorkingDir, User.
 * See https://docs.docker.com/reference/cli/docker/container/run/
 */
import { readFile } from 'node:fs/promises';
import type { ContainerConfig } from '../oci/index.js';
import { InvalidArgumentError, NotFoundError } from '../util/errors.js';

/** The `kiln run` flags that change the process. */
export interface RunFlags {
  readonly entrypoint?: string;
  readonly env: readonly string[];
  readonly envFile: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
}

/** The resolved process: args, env, cwd and user. */
export interface RunProcess {
  readonly args: string[];
  readonly env: string[];
  readonly cwd: string;
  readonly user: string | undefined;
}

/**
 * `--entrypoint` replaces the image's entrypoint and drops its Cmd; arguments
 * after the image replace Cmd.
 */
export function processArgs(config: ContainerConfig, flags: RunFlags, args: readonly string[]): string[] {
  const entrypoint = flags.entrypoint !== undefined ? (flags.entrypoint === '' ? [] : [flags.entrypoint]) : (config.Entrypoint ?? []);
  const cmd = args.length > 0 ? [...args] : flags.entrypoint !== undefined ? [] : (config.Cmd ?? []);
  const all = [...entrypoint, ...cmd];
  if (all.length === 0) throw new InvalidArgumentError('no command specified: the image has no Entrypoint or Cmd; give one after the image name');
  return all;
}

/** Image Env, then `--env-file` lines, then `-e` (later wins per key); `-e K` takes the caller's K. */
export async function processEnv(config: ContainerConfig, flags: RunFlags, host: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const merged = new Map<string, string>();
  const put = (entry: string): void => {
    const eq = entry.indexOf('=');
    if (eq === 0) throw new InvalidArgumentError(`invalid environment variable ${JSON.stringify(entry)}: empty name`);
    if (eq < 0) {
      const v = host[entry];
      if (v !== undefined) merged.set(entry, `${entry}=${v}`);
      return;
    }
    merged.set(entry.slice(0, eq), entry);
  };
  for (const e of config.Env ?? []) put(e);
  for (const file of flags.envFile) for (const e of await readEnvFile(file)) put(e);
  for (const e of flags.env) put(e);
  return [...merged.values()];
}

/** Docker's env-file format: `KEY=value` or `KEY` lines; `#` comments and blank lines skipped. */
export async function readEnvFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NotFoundError(`env file ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The whole process for `kiln run`. */
export async function runProcess(config: ContainerConfig, flags: RunFlags, args: readonly string[]): Promise<RunProcess> {
  const cwd = flags.workdir ?? (config.WorkingDir || '/');
  if (!cwd.startsWith('/')) throw new InvalidArgumentError(`working directory ${JSON.stringify(cwd)} must be absolute`);
  return {
    args: processArgs(config, flags, args),
    env: await processEnv(config, flags),
    cwd,
    user: flags.user ?? (config.User || undefined),
  };
}
