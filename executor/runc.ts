/**
 * OciRuntimeExecutor: runs each RunSpec as one OCI container under runc or
 * crun (https://github.com/opencontainers/runtime-spec/blob/v1.0.2/runtime.md).
 *
 * Per run: create `<stateDir>/bundles/<id>/` with an owner record, mount the
 * rootfs on its `rootfs/`, resolve the user, write config.json and the /etc
 * files, `<runtime> --root <stateDir>/<kind> run --bundle <bundle> <id>` in
 * the foreground, and always (also on abort or error) delete the runtime's
 * state, remove mount stubs, unmount the rootfs and remove the bundle.
 * {@link OciRuntimeExecutor.sweep} cleans up after kiln processes that died.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../util/errors.js';
import { bundlePaths, bundlesDir, createBundle, removeBundle, writeBundleFiles, writeSandboxRecord, type BundlePaths } from './bundle.js';
import { createSandbox, refuseRootlessLimits, removeSandbox, sandboxCgroupsPath, sandboxDirs, sandboxOomKilled, swapAccounting, type SandboxPlacement } from './cgroups.js';
import { rootless } from '../util/rootless.js';
import { runContainerProcess } from './container-process.js';
import { etcFiles, readHostEtc } from './etc-files.js';
import { missingCommand } from './lookpath.js';
import { mountAll, unmount } from './mount.js';
import { selfIdentity } from './owner.js';
import { containerPids, containerState, deleteContainer, killContainer, type RuntimeHandle } from './runtime-cli.js';
import { execInContainer, type ExecSpec } from './exec.js';
import type { Runtime } from './runtime.js';
import { containerEnv, containerHostname, containerMounts, toRuntimeSpec } from './spec.js';
import { withPrivileges } from './privileged.js';
import { missingPaths, removeStubs } from './stubs.js';
import { pathRuntimes, sweepState, type SweepReport } from './sweep.js';
import type { Executor, RunOptions, RunResult, RunSpec } from './types.js';
import { readUserFiles, resolveUserFrom, parseGroup, type ResolvedUser, type UserFiles } from '../util/user.js';
import { NotFoundError } from '../util/errors.js';

export interface OciRuntimeExecutorOptions {
  /** kiln's directory for bundles and the runtime's state (`--root`); one per kiln root. */
  readonly stateDir: string;
  /** From {@link resolveRuntime}. */
  readonly runtime: Runtime;
  /** Time between SIGTERM and SIGKILL when a run is aborted. @default 10000 */
  readonly killGraceMs?: number;
}

/** Container ids the runtimes accept (runc: `^[\w+-\.]+$`), and short enough for paths. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

/** Runs containers with runc or crun; see the module comment for the lifecycle. */
export class OciRuntimeExecutor implements Executor {
  readonly runtime: Runtime;
  readonly #stateDir: string;
  readonly #handle: RuntimeHandle;
  readonly #killGraceMs: number;
  #masked: Promise<string[]> | undefined;
  /** crun reads a relative cgroupsPath from each hierarchy's root, runc from its own cgroup (see cgroups.ts). */
  readonly #placement: SandboxPlacement;
  #dirs: Promise<void> | undefined;

  constructor(options: OciRuntimeExecutorOptions) {
    this.runtime = options.runtime;
    this.#stateDir = options.stateDir;
    this.#handle = { runtime: options.runtime, root: join(options.stateDir, options.runtime.kind) };
    this.#killGraceMs = options.killGraceMs ?? 10_000;
    this.#placement = options.runtime.kind === 'crun' ? 'anchored' : 'relative';
  }

  /**
   * Runs `spec` to completion. Resolves with the exit code (also non-zero);
   * rejects with ContainerStartError when the process never started,
   * NotFoundError for an unknown user, and `signal.reason` when aborted
   * (after the container is gone and everything is cleaned up).
   */
  async run(spec: RunSpec, options: RunOptions): Promise<RunResult> {
    if (!ID.test(spec.id)) throw new InvalidArgumentError(`invalid container id ${JSON.stringify(spec.id)}: expected [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 128 characters`);
    if (spec.rootfs.length === 0) throw new InvalidArgumentError(`container ${spec.id}: no rootfs mounts`);
    options.signal?.throwIfAborted();
    const paths = bundlePaths(this.#stateDir, spec.id);
    this.#dirs ??= Promise.all([
      mkdir(this.#handle.root, { recursive: true, mode: 0o700 }),
      mkdir(bundlesDir(this.#stateDir), { recursive: true, mode: 0o700 }),
    ]).then(() => undefined);
    await this.#dirs.catch((err: unknown) => {
      this.#dirs = undefined;
      throw err;
    });
    await createBundle(paths, { owner: await selfIdentity(), runtime: this.runtime, runtimeRoot: this.#handle.root });
    let stubs: string[] = [];
    let sandbox: string[] = [];
    let outcome: { ok: true; value: RunResult } | { ok: false; error: unknown };
    try {
      const sandboxed = spec.limits !== undefined && rootless() === undefined;
      if (spec.limits !== undefined && rootless() !== undefined) refuseRootlessLimits(spec.limits);
      if (sandboxed && spec.limits !== undefined) {
        // Recorded before it exists, so a sweep after a kill here still finds it.
        await writeSandboxRecord(paths, sandboxDirs(spec.id, undefined, this.#placement));
        sandbox = await createSandbox(spec.id, spec.limits, undefined, this.#placement);
      }
      await mountAll(spec.rootfs, paths.rootfs);
      stubs = await this.#prepare(spec, paths, sandboxed);
      options.signal?.throwIfAborted();
      const exitCode = await runContainerProcess({
        handle: this.#handle,
        id: spec.id,
        bundleDir: paths.dir,
        logFile: paths.log,
        tty: spec.tty === true,
        stdio: options.stdio,
        signal: options.signal,
        killGraceMs: this.#killGraceMs,
        onStart: options.onStart,
      });
      const oomKilled = sandbox.length > 0 && (await sandboxOomKilled(spec.id, exitCode));
      outcome = { ok: true, value: oomKilled ? { exitCode, oomKilled } : { exitCode } };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const cleanupError = await this.#cleanup(spec.id, paths, stubs, sandbox);
    if (!outcome.ok) throw outcome.error;
    if (cleanupError !== undefined) throw cleanupError;
    return outcome.value;
  }

  /** Sends `signal` (TERM, SIGHUP, 9 …) to container `id`'s process; false when there is no such container. */
  signal(id: string, signal: string): Promise<boolean> {
    return killContainer(this.#handle, id, signal);
  }

  /** The runtime's view of container `id` (status, init pid), or undefined when it has none. */
  state(id: string): Promise<{ readonly status: string; readonly pid: number } | undefined> {
    return containerState(this.#handle, id);
  }

  /** The host pids of running container `id`'s processes. */
  pids(id: string): Promise<number[]> {
    return containerPids(this.#handle, id);
  }

  /** Runs another process in running container `id` (`docker exec`); resolves with its exit code. */
  exec(id: string, spec: ExecSpec, options: RunOptions): Promise<number> {
    if (!ID.test(id)) throw new InvalidArgumentError(`invalid container id ${JSON.stringify(id)}`);
    return execInContainer(this.#handle, id, bundlePaths(this.#stateDir, id), spec, options);
  }

  /**
   * Removes what kiln processes that died left behind in this state dir:
   * their containers (killed), rootfs mounts and bundles, plus runtime state
   * with no bundle. Bundles of live processes are left alone. Call at start-up.
   */
  sweep(): Promise<SweepReport> {
    const others = pathRuntimes(this.#stateDir);
    return sweepState(this.#stateDir, async (kind) => (kind === this.runtime.kind ? this.#handle : others(kind)));
  }

  /** Resolves the user, checks the command, writes the bundle files; returns the mount stubs to remove afterwards. */
  async #prepare(spec: RunSpec, paths: BundlePaths, sandboxed: boolean): Promise<string[]> {
    const files = { hostsPath: paths.hosts, resolvPath: paths.resolvConf, hostnamePath: paths.hostname };
    const hostname = containerHostname(spec);
    // PATH does not depend on the user, so the command check runs alongside the user lookup.
    const env = containerEnv(spec.env, { hostname: spec.hostnameEnv === false ? null : hostname, tty: false, home: '/' });
    const command = { args: spec.args, env, cwd: spec.cwd ?? '/' };
    const [user, hostEtc, extraMaskedPaths, stubs, missing] = await Promise.all([
      readUserFiles(paths.rootfs).then((files) => withGroups(resolveUserFrom(spec.user, files), spec.groupAdd ?? [], files)),
      readHostEtc(),
      this.#hostMaskedPaths(),
      missingPaths(paths.rootfs, containerMounts(spec, files).map((m) => m.destination)),
      missingCommand(paths.rootfs, command, (spec.mounts ?? []).map((m) => m.destination)),
    ]);
    if (missing !== undefined) throw missing;
    const cgroupsPath = sandboxed ? sandboxCgroupsPath(spec.id, undefined, this.#placement) : undefined;
    const cg = cgroupsPath === undefined ? {} : { cgroupsPath, swapLimit: swapAccounting() };
    const rl = rootless();
    const config = withPrivileges(spec, toRuntimeSpec(spec, { rootfsPath: paths.rootfs, user, arch: process.arch, extraMaskedPaths, ...files, ...cg, ...(rl ? { rootless: rl.mapping } : {}) }));
    await writeBundleFiles(paths, config, etcFiles(spec.network, hostname, hostEtc, spec.extraHosts));
    return stubs;
  }

  /** Always runs; returns the first failure instead of throwing so the run's own error wins. */
  async #cleanup(id: string, paths: BundlePaths, stubs: readonly string[], sandbox: readonly string[]): Promise<unknown> {
    const errors: unknown[] = [];
    const attempt = async (step: () => Promise<void>): Promise<void> => step().catch((err: unknown) => void errors.push(err));
    await attempt(() => deleteContainer(this.#handle, id));
    if (sandbox.length > 0) await attempt(() => removeSandbox(sandbox));
    if (stubs.length > 0) await attempt(() => removeStubs(paths.rootfs, stubs));
    await attempt(() => unmount(paths.rootfs).catch(() => unmount(paths.rootfs, { detach: true })));
    await attempt(() => removeBundle(paths));
    return errors[0];
  }

  /**
   * Per-CPU thermal_throttle directories, which Docker also masks (they
   * leak host power-management state); read once per executor.
   */
  #hostMaskedPaths(): Promise<string[]> {
    this.#masked ??= (async () => {
      const cpus = await readdir('/sys/devices/system/cpu').catch(() => []);
      const paths = cpus.filter((c) => /^cpu\d+$/.test(c)).map((c) => `/sys/devices/system/cpu/${c}/thermal_throttle`);
      const present = await Promise.all(paths.map((p) => stat(p).then(() => p, () => undefined)));
      return present.filter((p): p is string => p !== undefined);
    })();
    return this.#masked;
  }
}

/** `--group-add`: names from the image's /etc/group, or numbers; added to the user's supplementary groups. */
function withGroups(user: ResolvedUser, add: readonly string[], files: UserFiles): ResolvedUser {
  if (add.length === 0) return user;
  const groups = parseGroup(files.group ?? '');
  const gids = add.map((g) => {
    if (/^\d+$/.test(g)) return Number(g);
    const found = groups.find((e) => e.name === g);
    if (found === undefined) throw new NotFoundError(`--group-add: unable to find group ${g}: no matching entries in the image's /etc/group`);
    return found.gid;
  });
  return { ...user, additionalGids: [...new Set([...user.additionalGids, ...gids])] };
}
