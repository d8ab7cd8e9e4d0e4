/**
 * One OCI bundle per run, under `<stateDir>/bundles/<id>/`: config.json,
 * the rootfs mount point, the /etc files, the runtime's log, and an owner
 * record naming the kiln process (and runtime) responsible for it, so a
 * later sweep can tell abandoned bundles from live ones.
 * https://github.com/opencontainers/runtime-spec/blob/v1.0.2/bundle.md
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AlreadyExistsError, FailedPreconditionError } from '../util/errors.js';
import type { EtcFiles } from './etc-files.js';
import { mountPointsUnder } from './mount.js';
import type { ProcessIdentity } from './owner.js';
import type { OciSpec } from './oci.js';
import type { Runtime } from './runtime.js';
import { ifExists } from '../util/if-exists.js';

/** The files of one bundle. */
export interface BundlePaths {
  readonly dir: string;
  readonly rootfs: string;
  readonly config: string;
  readonly hosts: string;
  readonly resolvConf: string;
  readonly hostname: string;
  readonly owner: string;
  readonly log: string;
  /** The sandbox cgroup dirs (executor/cgroups.ts), when the container has limits. */
  readonly sandbox: string;
}

/** Who made a bundle and with which runtime (state root included). */
export interface OwnerRecord {
  readonly owner: ProcessIdentity;
  readonly runtime: Runtime;
  readonly runtimeRoot: string;
}

/** The directory holding every bundle. */
export function bundlesDir(stateDir: string): string {
  return join(stateDir, 'bundles');
}

export function bundlePaths(stateDir: string, id: string): BundlePaths {
  const dir = join(bundlesDir(stateDir), id);
  const at = (name: string): string => join(dir, name);
  return {
    dir,
    rootfs: at('rootfs'),
    config: at('config.json'),
    hosts: at('hosts'),
    resolvConf: at('resolv.conf'),
    hostname: at('hostname'),
    owner: at('owner.json'),
    log: at('runtime.log'),
    sandbox: at('cgroups.json'),
  };
}

/**
 * Creates the bundle dir (its parent must exist) and its owner record;
 * AlreadyExistsError when `id` is in use. Bundle files are small and local,
 * so they are written synchronously (a thread-pool hop per call costs more).
 */
export async function createBundle(paths: BundlePaths, record: OwnerRecord): Promise<void> {
  try {
    mkdirSync(paths.dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new AlreadyExistsError(`container ${basename(paths.dir)} already exists (bundle ${paths.dir})`, { cause: err });
  }
  // A sweep leaves a bundle without owner record alone for a while (it may be this one, being created).
  writeFileSync(paths.owner, JSON.stringify(record));
  mkdirSync(paths.rootfs);
}

/** Writes config.json and the /etc files. */
export async function writeBundleFiles(paths: BundlePaths, config: OciSpec, etc: EtcFiles): Promise<void> {
  writeFileSync(paths.config, JSON.stringify(config));
  writeFileSync(paths.hosts, etc.hosts);
  writeFileSync(paths.resolvConf, etc.resolvConf);
  writeFileSync(paths.hostname, etc.hostname);
}

/** Records the sandbox cgroup dirs of the container, for a sweep after a kill. */
export async function writeSandboxRecord(paths: BundlePaths, dirs: readonly string[]): Promise<void> {
  writeFileSync(paths.sandbox, JSON.stringify(dirs));
}

/** The recorded sandbox cgroup dirs (empty when none). */
export async function readSandboxRecord(paths: BundlePaths): Promise<string[]> {
  const text = await ifExists(readFile(paths.sandbox, 'utf8'));
  if (text === undefined) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.startsWith('/sys/fs/cgroup/') && /\/kiln-[^/]+$/.test(x)) : [];
  } catch {
    return [];
  }
}

/** The owner record, or undefined when it is missing or unreadable (a bundle that died being created). */
export async function readOwner(paths: BundlePaths): Promise<OwnerRecord | undefined> {
  const text = await ifExists(readFile(paths.owner, 'utf8'));
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as OwnerRecord;
  } catch {
    return undefined;
  }
}

/** Removes the bundle; refuses while anything is mounted below it (rm would delete through the mount). */
export async function removeBundle(paths: BundlePaths): Promise<void> {
  const mounted = await mountPointsUnder(paths.dir);
  if (mounted.length > 0) {
    throw new FailedPreconditionError(`not removing bundle ${paths.dir}: still mounted at ${mounted.join(', ')}`);
  }
  // Fast path: the files kiln wrote, in parallel; anything else falls back to rm -r.
  const files = [paths.config, paths.hosts, paths.resolvConf, paths.hostname, paths.owner, paths.log, paths.sandbox];
  const gone = (p: Promise<void>): Promise<boolean> => p.then(() => true, (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
  const removed = await Promise.all([...files.map((f) => gone(unlink(f))), gone(rmdir(paths.rootfs))]);
  if (removed.every(Boolean) && (await gone(rmdir(paths.dir)))) return;
  await rm(paths.dir, { recursive: true, force: true });
}
