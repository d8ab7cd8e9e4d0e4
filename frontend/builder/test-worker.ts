/**
 * Test kit of the builder: a {@link Worker} on a temp root with the
 * copy-based snapshotter (no mounts), the real content, image and cache
 * stores, and a fake executor that records every RUN's spec and simulates it
 * by writing files into the rootfs, so `build()` runs without a runtime,
 * overlayfs or mount(8), and without root (files then keep the tester's
 * owner, as COPY's do rootless). Not part of the public surface.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { Writable } from 'node:stream';
import { LocalContentStore, NativeSnapshotter } from '../../cache/index.js';
import type { Executor, RunResult, RunSpec, RunStdio } from '../../executor/index.js';
import { JsonFileCacheStore } from '../../solver/index.js';
import { ImageStore } from '../../store/index.js';
import { resolveInRoot } from '../../util/root-path.js';
import { rootLayout } from '../../util/root-layout.js';
import type { BuildProgress, BuildProgressEvent } from './progress.js';
import type { BuildRequest } from './request.js';
import { loadStepResult } from './result.js';
import type { Worker } from './worker.js';

/** What a fake container does: its exit code. `rootfs` is the host dir of its rootfs. */
export type FakeProcess = (spec: RunSpec, rootfs: string, io: { readonly stdout: Writable; readonly stderr: Writable; readonly signal?: AbortSignal | undefined }) => Promise<number>;

/** An executor that runs nothing: it records each spec and calls `process` on the rootfs dir. */
export class FakeExecutor implements Executor {
  readonly specs: RunSpec[] = [];
  readonly #process: FakeProcess;

  constructor(process: FakeProcess = shellLike) {
    this.#process = process;
  }

  async run(spec: RunSpec, options: { readonly signal?: AbortSignal; readonly stdio: RunStdio }): Promise<RunResult> {
    this.specs.push(spec);
    const [only] = spec.rootfs;
    if (spec.rootfs.length !== 1 || only?.type !== 'bind') throw new Error(`fake executor: expected one bind rootfs mount, got ${JSON.stringify(spec.rootfs)}`);
    options.signal?.throwIfAborted();
    return { exitCode: await this.#process(spec, only.source, { stdout: options.stdio.stdout, stderr: options.stdio.stderr, signal: options.signal }) };
  }
}

/**
 * The default fake process: `sh -c` scripts of `&&`-joined commands, each
 * `echo TEXT > /path` (writes TEXT and a newline inside the rootfs), `echo
 * TEXT` (stdout), `date > /path` (writes something new every time, like a step
 * that is not reproducible), `exit N`, or `block` (waits until the build is cancelled).
 */
let clock = 0;
export const shellLike: FakeProcess = async (spec, rootfs, io) => {
  const script = spec.args[0] === '/bin/sh' && spec.args[1] === '-c' ? (spec.args[2] ?? '') : spec.args.join(' ');
  for (const cmd of script.split('&&').map((c) => c.trim())) {
    let m: RegExpExecArray | null;
    if ((m = /^(?:echo (.*)|date) > (\S+)$/.exec(cmd)) !== null) {
      const path = posix.resolve(spec.cwd ?? '/', m[2] ?? '');
      await writeFile(await resolveInRoot(rootfs, path), `${m[1] ?? `tick ${++clock}`}\n`);
    } else if ((m = /^echo (.*)$/.exec(cmd)) !== null) {
      io.stdout.write(`${m[1] ?? ''}\n`);
    } else if ((m = /^exit (\d+)$/.exec(cmd)) !== null) {
      return Number(m[1]);
    } else if (cmd === 'block') {
      await new Promise<void>((resolve) => (io.signal?.aborted === true ? resolve() : io.signal?.addEventListener('abort', () => resolve(), { once: true })));
      return 137;
    } else {
      io.stderr.write(`fake sh: ${cmd}: not found\n`);
      return 127;
    }
  }
  return 0;
};

/** A worker for one test, with its fake executor; `cleanup` removes its root. */
export interface TestWorker extends Worker {
  readonly root: string;
  readonly executorCalls: FakeExecutor;
  cleanup(): Promise<void>;
}

/** Opens a test worker on a new temp root. */
export async function testWorker(process?: FakeProcess): Promise<TestWorker> {
  const root = await mkdtemp(join(tmpdir(), 'kiln-test-builder-'));
  const layout = rootLayout(root);
  const content = new LocalContentStore(layout.oci);
  const images = await ImageStore.open(layout.oci, content);
  const snapshotter = new NativeSnapshotter(join(layout.snapshots, 'native'));
  const tmpDir = join(layout.tmp, 'test');
  await mkdir(tmpDir, { recursive: true });
  const fake = new FakeExecutor(process);
  return {
    root,
    layout,
    content,
    images,
    snapshotter,
    tmpDir,
    // The copy-based snapshotter's mounts are single binds, used in place: nothing is ever mounted.
    mounter: {
      mountAll: async (mounts) => {
        throw new Error(`test worker: mounting ${JSON.stringify(mounts)} is not available in unit tests`);
      },
      unmount: async () => undefined,
    },
    cacheIndex: new JsonFileCacheStore(layout.stepCache, loadStepResult(snapshotter)),
    executor: async () => fake,
    executorCalls: fake,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A build context dir with `files` (paths may hold `/`) under the worker's root, and a request for it. */
export async function contextRequest(w: TestWorker, name: string, files: Readonly<Record<string, string>>, extra: Partial<BuildRequest> = {}): Promise<BuildRequest> {
  const dir = join(w.root, 'contexts', name);
  for (const [f, body] of Object.entries(files)) {
    await mkdir(posix.dirname(join(dir, f)), { recursive: true });
    await writeFile(join(dir, f), body);
  }
  await mkdir(dir, { recursive: true });
  const text = files.Dockerfile ?? '';
  return { contextDir: dir, dockerfile: { filename: 'Dockerfile', text, path: join(dir, 'Dockerfile') }, buildArgs: {}, noCache: false, network: 'none', ...extra };
}

/** A progress sink that keeps every event. */
export class EventLog implements BuildProgress {
  readonly events: BuildProgressEvent[] = [];
  write(ev: BuildProgressEvent): void {
    this.events.push(ev);
  }
  /** Names of the vertices reported with `type`. */
  vertices(type: 'vertex.cached' | 'vertex.started' | 'vertex.error' | 'vertex.canceled'): string[] {
    return this.events.flatMap((e) => (e.type === type ? [e.vertex.name] : []));
  }
}
