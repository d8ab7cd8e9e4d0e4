/**
 * Test helpers for executor end-to-end tests: a rootfs made from the host's
 * static busybox, an executor on a temp state dir, and stream collectors.
 * Not part of the public surface.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import type { Mount } from '../oci/index.js';
import { makeBusyboxRootfs } from '../util/test-busybox.js';
import { mountPointsUnder, unmount } from './mount.js';
import { OciRuntimeExecutor } from './runc.js';
import { deleteContainer } from './runtime-cli.js';
import { resolveRuntime, type Runtime } from './runtime.js';
import type { RunSpec } from './types.js';

/** The busybox rootfs every e2e test shares (util/test-busybox.ts). */
export { makeBusyboxRootfs };

/** The rootfs as a rw bind mount, as a snapshotter would return it. */
export function bindRootfs(dir: string): Mount[] {
  return [{ type: 'bind', source: dir, options: ['rbind', 'rw'] }];
}

/** A Writable that keeps what it is given. */
export class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

let seq = 0;

/** A fresh container id for one test run. */
export function testId(name: string): string {
  return `kiln-test-${process.pid}-${++seq}-${name}`.slice(0, 100);
}

/** One e2e fixture: a temp dir with a busybox rootfs and an executor on a state dir inside it. */
export interface Fixture {
  readonly tmp: string;
  readonly rootfs: string;
  readonly stateDir: string;
  readonly runtime: Runtime;
  readonly executor: OciRuntimeExecutor;
}

/** Creates a fixture for `runtime` (default: kiln's default choice). */
export async function setupFixture(runtime?: string, killGraceMs = 300): Promise<Fixture> {
  const tmp = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  const rootfs = join(tmp, 'rootfs');
  await makeBusyboxRootfs(rootfs);
  const rt = await resolveRuntime(runtime === undefined ? {} : { runtime });
  const stateDir = join(tmp, 'state');
  return { tmp, rootfs, stateDir, runtime: rt, executor: new OciRuntimeExecutor({ stateDir, runtime: rt, killGraceMs }) };
}

/** What is left of runs: runtime state, mounts and bundles (all should be empty). */
export async function leftovers(f: Fixture): Promise<{ state: string[]; mounts: string[]; bundles: string[] }> {
  const list = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);
  return {
    state: await list(join(f.stateDir, f.runtime.kind)),
    mounts: await mountPointsUnder(f.tmp),
    bundles: await list(join(f.stateDir, 'bundles')),
  };
}

/**
 * Removes the fixture: deletes containers a failed test left running, then
 * unmounts; throws (after cleaning up) when anything was still mounted.
 */
export async function teardownFixture(f: Fixture): Promise<void> {
  const handle = { runtime: f.runtime, root: join(f.stateDir, f.runtime.kind) };
  for (const id of await readdir(handle.root).catch(() => [])) await deleteContainer(handle, id);
  const mounted = await mountPointsUnder(f.tmp);
  for (const point of mounted) await unmount(point, { detach: true });
  if (mounted.length > 0) throw new Error(`still mounted after the tests: ${mounted.join(', ')}`);
  await rm(f.tmp, { recursive: true, force: true });
}

/** The result of {@link runIn}. */
export interface Ran {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
  readonly oomKilled?: boolean;
}

/** Runs `args` in the fixture's rootfs (network none unless overridden) and collects the output. */
export async function runIn(
  f: Fixture,
  args: string[],
  over: Partial<RunSpec> = {},
  options: { signal?: AbortSignal; stdin?: Readable; stdout?: Collector } = {},
): Promise<Ran> {
  const stdout = options.stdout ?? new Collector();
  const stderr = new Collector();
  const spec: RunSpec = { rootfs: bindRootfs(f.rootfs), args, env: [], network: 'none', ...over, id: testId(over.id ?? 'run') };
  const stdio = { stdout, stderr, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) };
  const { exitCode, oomKilled } = await f.executor.run(spec, { stdio, ...(options.signal !== undefined ? { signal: options.signal } : {}) });
  return { exitCode, out: stdout.text(), err: stderr.text(), ...(oomKilled === undefined ? {} : { oomKilled }) };
}

/** Resolves once `c` has received `text`; rejects after `ms`. */
export async function waitForText(c: Collector, text: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!c.text().includes(text)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${JSON.stringify(text)}; got ${JSON.stringify(c.text())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
