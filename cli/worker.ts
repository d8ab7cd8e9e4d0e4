/**
 * The composition root: turns global options into the concrete stores the
 * commands use. Everything kiln keeps lives under the root directory.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalContentStore } from '../cache/content/index.js';
import { acquireSession, type Lease } from '../cache/lease.js';
import { NativeSnapshotter, OverlaySnapshotter, type Snapshotter } from '../cache/snapshot/index.js';
import { checkOverlaySupport, OciRuntimeExecutor, resolveRuntime } from '../executor/index.js';
import { ImageStore } from '../store/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { FailedPreconditionError } from '../util/errors.js';
import { rootLayout, type RootLayout } from '../util/root-layout.js';
import { ifExists } from '../util/if-exists.js';

/** The stores of one kiln root. */
export interface Worker {
  readonly root: string;
  /** Every path under the root. */
  readonly layout: RootLayout;
  readonly content: LocalContentStore;
  readonly images: ImageStore;
  /** This process's session lease (see cache/lease.ts). */
  readonly session: Lease;
  /** The root's snapshotter: overlayfs, or the copy-based one where overlay does not work. */
  snapshotter(): Promise<Snapshotter>;
  /** The container executor for `--runtime` (swept of what killed kiln processes left). */
  executor(runtime: string | undefined): Promise<OciRuntimeExecutor>;
}

/** `--root`, else `KILN_ROOT`, else `/var/lib/kiln` for root and `$XDG_DATA_HOME/kiln` otherwise. */
export function rootDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined && option !== '') return resolve(option);
  if (env.KILN_ROOT !== undefined && env.KILN_ROOT !== '') return resolve(env.KILN_ROOT);
  if (process.getuid?.() === 0) return '/var/lib/kiln';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kiln');
}

/** Opens the root's stores, creating them when missing, and cleans up what a killed kiln left. */
export async function openWorker(rootOption: string | undefined): Promise<Worker> {
  const root = rootDir(rootOption);
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw new FailedPreconditionError(`cannot create kiln root ${root}: ${(err as Error).message}`, { cause: err });
  }
  const layout = rootLayout(root);
  const dir = layout.oci;
  // The lease comes first: what this process reuses from now on is recorded in it (cache/guard.ts).
  const session = await acquireSession(root);
  const content = new LocalContentStore(dir, { guard: session });
  await content.cleanupIngests();
  const images = await ImageStore.open(dir, content);
  let snapshots: Promise<Snapshotter> | undefined;
  let executor: Promise<OciRuntimeExecutor> | undefined;
  return {
    root,
    layout,
    content,
    images,
    session,
    snapshotter: () => (snapshots ??= openSnapshotter(layout, session)),
    executor: (runtime) => (executor ??= openExecutor(layout, runtime)),
  };
}

async function openExecutor(layout: RootLayout, runtime: string | undefined): Promise<OciRuntimeExecutor> {
  const ex = new OciRuntimeExecutor({ stateDir: layout.exec, runtime: await resolveRuntime(runtime === undefined ? {} : { runtime }) });
  await ex.sweep();
  return ex;
}

/**
 * The snapshot driver is chosen once per root (a probe mount tells whether
 * overlayfs works there) and remembered in `<root>/snapshots/driver`.
 */
async function openSnapshotter(layout: RootLayout, guard: Lease): Promise<Snapshotter> {
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
