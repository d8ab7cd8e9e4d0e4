/**
 * The composition root: turns global options into the concrete stores the
 * commands use. Everything kiln keeps lives under the root directory.
 */
import { existsSync, rmdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalContentStore } from '../cache/index.js';
import { acquireSession, type Lease } from '../cache/index.js';
import { NativeSnapshotter, OverlaySnapshotter, type Cleaner, type Snapshotter } from '../cache/index.js';
import { checkOverlaySupport, mountAll, OciRuntimeExecutor, resolveRuntime, unmount } from '../executor/index.js';
import { ImageStore } from '../store/index.js';
import type { Containers } from '../containers/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { FailedPreconditionError } from '../util/errors.js';
import { whileWriting } from '../util/no-space.js';
import { selfTag } from '../util/owner-tag.js';
import { sweepRoot, type RootSweep } from './sweep.js';
import { rootLayout, type RootLayout } from '../util/root-layout.js';
import { ifExists } from '../util/if-exists.js';
import { rootless } from '../util/rootless.js';
import type { Worker as BuildWorker } from '../frontend/index.js';

/** The stores of one kiln root. */
export interface Worker {
  readonly root: string;
  /** Every path under the root. */
  readonly layout: RootLayout;
  readonly content: LocalContentStore;
  readonly images: ImageStore;
  /** This process's session lease (see cache/lease.ts). */
  readonly session: Lease;
  /** What opening the root removed of what killed kiln processes left (see sweep.ts). */
  readonly swept: RootSweep;
  /** The root's snapshotter: overlayfs, or the copy-based one where overlay does not work. */
  snapshotter(): Promise<Snapshotter>;
  /** `--runtime` as the root was opened with (undefined: runc, then crun, on PATH): what builds run on. */
  readonly runtime: string | undefined;
  /** The container executor for a runtime (a container keeps the one it was created with). */
  executor(runtime: string | undefined): Promise<OciRuntimeExecutor>;
  /**
   * This process's temp dir, `<root>/tmp/<pid>-<starttime>` (on the root's
   * filesystem, for mount points and scratch files); its name lets a later
   * sweep remove it, and unmount what is in it, once this process is gone.
   */
  tmpDir(): Promise<string>;
  /** The root's containers (containers/). */
  containers(): Containers;
}

/** `--root`, else `KILN_ROOT`, else `/var/lib/kiln` for root and `$XDG_DATA_HOME/kiln` otherwise. */
export function rootDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined && option !== '') return resolve(option);
  if (env.KILN_ROOT !== undefined && env.KILN_ROOT !== '') return resolve(env.KILN_ROOT);
  // A rootless kiln is uid 0 in its namespace but keeps its user's root.
  if (process.getuid?.() === 0 && rootless() === undefined) return '/var/lib/kiln';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kiln');
}

/** Options of {@link openWorker}. */
export interface OpenOptions {
  /** Leave snapshot records whose directory is gone (for `kiln check`, which reports them); the sweep drops them otherwise. */
  readonly keepDangling?: boolean;
  /** `--runtime`: runc, crun or a path (default: runc, then crun, on PATH). */
  readonly runtime?: string | undefined;
  /**
   * false: the command uses no containers (`kiln build`), so their library is not
   * loaded unless the root has containers to sweep; `containers()` then throws.
   */
  readonly containers?: boolean;
}

/** Opens the root's stores, creating them when missing, and cleans up what a killed kiln left. */
export async function openWorker(rootOption: string | undefined, options: OpenOptions = {}): Promise<Worker> {
  const root = rootDir(rootOption);
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw new FailedPreconditionError(`cannot create kiln root ${root}: ${(err as Error).message}`, { cause: err });
  }
  const layout = rootLayout(root);
  const dir = layout.oci;
  // The lease comes first: what this process reuses from now on is recorded in it (cache/guard.ts).
  const session = await whileWriting(root, 'opening the root', () => acquireSession(root));
  const content = new LocalContentStore(dir, { guard: session });
  let snapshots: Promise<Snapshotter & Cleaner> | undefined;
  const snapshotter = (): Promise<Snapshotter & Cleaner> => (snapshots ??= openSnapshotter(layout, session));
  const swept = await sweepRoot(layout, {
    content,
    // A root without a chosen driver has no snapshots: do not probe one just to sweep.
    snapshotter: existsSync(join(layout.snapshots, 'driver')) ? snapshotter : undefined,
    session,
    keepDangling: options.keepDangling === true,
  });
  const images = await ImageStore.open(dir, content);
  const executors = new Map<string, Promise<OciRuntimeExecutor>>();
  const executor = (runtime: string | undefined): Promise<OciRuntimeExecutor> => {
    let e = executors.get(runtime ?? '');
    if (e === undefined) executors.set(runtime ?? '', (e = openExecutor(layout, runtime)));
    return e;
  };
  let tmp: Promise<string> | undefined;
  const tmpDir = (): Promise<string> => (tmp ??= whileWriting(root, 'creating a temp dir', () => makeTmpDir(layout.tmp)));
  const lib = options.containers === false && !existsSync(layout.containers) ? undefined : await import('../containers/index.js');
  let containers: Containers | undefined;
  const worker: Worker = {
    root,
    layout,
    content,
    images,
    session,
    swept,
    snapshotter,
    runtime: options.runtime,
    executor,
    tmpDir,
    containers: () => {
      if (lib === undefined) throw new Error('internal: this worker was opened without containers');
      return (containers ??= new lib.Containers({
        dir: layout.containers,
        networkDir: layout.network,
        volumesDir: layout.volumes,
        images,
        snapshotter,
        executor,
        tmpDir,
        // The supervisor of a detached container is this same program: `kiln container supervise ID`.
        supervisorArgv: (id) => [process.execPath, ...process.execArgv, process.argv[1] ?? '', '--root', root, 'container', 'supervise', id],
      }));
    },
  };
  // `--rm` containers whose supervisor was killed go as they would have (the executor sweep above stopped them).
  if (existsSync(layout.containers)) {
    const failures = await worker.containers().sweep();
    if (failures.length > 0) return { ...worker, swept: { ...swept, failures: [...swept.failures, ...failures] } };
  }
  return worker;
}

async function openExecutor(layout: RootLayout, runtime: string | undefined): Promise<OciRuntimeExecutor> {
  return new OciRuntimeExecutor({ stateDir: layout.exec, runtime: await resolveRuntime(runtime === undefined ? {} : { runtime }) });
}

/**
 * The build worker of this root (frontend/builder/worker.ts): its snapshotter
 * (the driver is probed now), its temp dir, the build cache index and the
 * executor of the runtime the root was opened with. The builder's code is
 * loaded only here, so commands that do not build never load it.
 */
export async function openBuildWorker(w: Worker): Promise<BuildWorker> {
  const [{ loadStepResult }, { JsonFileCacheStore }] = await Promise.all([import('../frontend/index.js'), import('../solver/index.js')]);
  const snapshotter = await w.snapshotter();
  return {
    layout: w.layout,
    content: w.content,
    images: w.images,
    snapshotter,
    mounter: { mountAll, unmount: (t) => unmount(t) },
    cacheIndex: new JsonFileCacheStore(w.layout.stepCache, loadStepResult(snapshotter)),
    executor: () => w.executor(w.runtime),
    tmpDir: await w.tmpDir(),
  };
}

async function makeTmpDir(base: string): Promise<string> {
  const dir = join(base, selfTag());
  await mkdir(dir, { recursive: true, mode: 0o700 });
  process.once('exit', () => {
    try {
      // Synchronous at exit; only an empty dir goes (anything left is the next sweep's).
      rmdirSync(dir);
    } catch {
      // not empty, or already gone
    }
  });
  return dir;
}

/**
 * The snapshot driver is chosen once per root (a probe mount tells whether
 * overlayfs works there) and remembered in `<root>/snapshots/driver`.
 */
async function openSnapshotter(layout: RootLayout, guard: Lease): Promise<Snapshotter & Cleaner> {
  const base = layout.snapshots;
  await mkdir(base, { recursive: true });
  const marker = join(base, 'driver');
  let driver = ((await ifExists(readFile(marker, 'utf8'))) ?? '').trim();
  if (driver !== 'overlay' && driver !== 'native') {
    driver = (await checkOverlaySupport(base)).supported ? 'overlay' : 'native';
    await writeFileAtomic(marker, `${driver}\n`);
  }
  const dir = join(base, driver);
  await mkdir(dir, { recursive: true });
  return driver === 'overlay' ? new OverlaySnapshotter(dir, { guard }) : new NativeSnapshotter(dir, { guard });
}
