/**
 * Helpers for the sweep e2e tests: bin/kiln started and SIGKILLed, and an
 * inventory of everything a kiln process can leave in a root.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mountPointsUnder } from '../executor/index.js';
import { repoRoot } from '../util/test-paths.js';

export const kilnBin = join(repoRoot(), 'bin', 'kiln');

/** Runs bin/kiln to completion. */
export function kilnSync(root: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(kilnBin, ['--root', root, ...args], { encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A bin/kiln process in the background, its output collected. */
export interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** The exit code (null when killed by a signal). */
  readonly exit: Promise<number | null>;
  /** SIGKILLs it and waits until it is reaped. */
  kill(): Promise<void>;
}

export function startKiln(root: string, args: readonly string[]): Running {
  const child = spawn(kilnBin, ['--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    output: () => text,
    exit,
    kill: async () => {
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/**
 * Polls `check` until it returns a value. The bound only keeps a broken run
 * from hanging the suite; no test asserts on how long anything takes.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, proc?: Running): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}${proc === undefined ? '' : `; kiln said: ${proc.output()}`}`);
}

/** Everything a kiln process can leave in a root; all empty when nothing is left. */
export interface Inventory {
  readonly mounts: readonly string[];
  /** Containers the runtime lists. */
  readonly containers: readonly string[];
  readonly bundles: readonly string[];
  readonly runtimeState: readonly string[];
  readonly tmp: readonly string[];
  readonly ingest: readonly string[];
  /** Active snapshots and views that belong to a process (build steps, views, unpacks, --rm containers). */
  readonly working: readonly string[];
  /** Snapshot directories no record names (half-made, half-removed or orphaned). */
  readonly unnamedDirs: readonly string[];
  /** Snapshot records whose directory is missing. */
  readonly danglingRecords: readonly string[];
}

export const NOTHING_LEFT: Inventory = {
  mounts: [],
  containers: [],
  bundles: [],
  runtimeState: [],
  tmp: [],
  ingest: [],
  working: [],
  unnamedDirs: [],
  danglingRecords: [],
};

const list = (dir: string): Promise<string[]> => readdir(dir).then((n) => n.sort(), () => []);

interface Meta {
  readonly snapshots: Record<string, { id: string; kind: string; labels: Record<string, string> }>;
}

/** The snapshot records of the root's overlay snapshotter. */
export async function snapshotRecords(root: string): Promise<Meta['snapshots']> {
  const text = await readFile(join(root, 'snapshots', 'overlay', 'metadata.json'), 'utf8').catch(() => '{"snapshots":{}}');
  return (JSON.parse(text) as Meta).snapshots;
}

export async function inventory(root: string): Promise<Inventory> {
  const records = await snapshotRecords(root);
  const dirs = await list(join(root, 'snapshots', 'overlay', 'l'));
  const ids = new Set(Object.values(records).map((r) => r.id));
  const runcRoot = join(root, 'exec', 'runc');
  const containers = execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
  return {
    mounts: await mountPointsUnder(root),
    containers,
    bundles: await list(join(root, 'exec', 'bundles')),
    runtimeState: await list(runcRoot),
    tmp: await list(join(root, 'tmp')),
    ingest: await list(join(root, 'oci', 'ingest')),
    working: Object.entries(records)
      .filter(([, r]) => r.kind !== 'committed' && r.labels['kiln.owner'] !== undefined)
      .map(([k]) => k)
      .sort(),
    unnamedDirs: dirs.filter((d) => !ids.has(d)),
    danglingRecords: Object.entries(records)
      .filter(([, r]) => !dirs.includes(r.id))
      .map(([k]) => k)
      .sort(),
  };
}

/** The pid of a container's init process, from the runtime's state. */
export async function containerPid(root: string, id: string): Promise<number> {
  const state = JSON.parse(await readFile(join(root, 'exec', 'runc', id, 'state.json'), 'utf8')) as { init_process_pid: number };
  return state.init_process_pid;
}

/** True when `pid` has exited (a zombie counts: it runs nothing). */
export async function exited(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined || /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
}
