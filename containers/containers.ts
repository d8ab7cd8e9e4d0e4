/**
 * Containers: the container lifecycle as a library, for `kiln run` and the
 * container commands (and later an API server). State lives under
 * `<root>/containers/` (records.ts); each started container has one
 * supervisor (supervise.ts): `kiln run` itself when attached, a detached
 * process of its own otherwise, started with the argv the caller gives
 * (the CLI's own entry: `kiln container supervise ID`).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Snapshotter } from '../cache/index.js';
import type { OciRuntimeExecutor } from '../executor/index.js';
import type { ImageStore } from '../store/index.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, UnavailableError } from '../util/errors.js';
import { tagAlive } from '../util/owner-tag.js';
import { ifExists } from '../util/if-exists.js';
import { createContainer } from './create.js';
import { resolveRef } from './names.js';
import { RecordStore } from './records.js';
import { supervise, type AttachStdio } from './supervise.js';
import type { Container, ContainerRecord, ContainerState, CreateRequest } from './types.js';
import { CREATED } from './create.js';

/** What Containers needs from the root (cli/worker.ts provides it). */
export interface ContainersDeps {
  /** `<root>/containers` (RootLayout.containers). */
  readonly dir: string;
  readonly images: ImageStore;
  snapshotter(): Promise<Snapshotter>;
  /** The executor for a runtime (`--runtime` value, undefined: the default). */
  executor(runtime: string | undefined): Promise<OciRuntimeExecutor>;
  tmpDir(): Promise<string>;
  /** The argv (command first) of a new process that runs {@link Containers.supervise} for `id`. */
  supervisorArgv(id: string): string[];
}

/** How to start: attached (this process supervises, streams go to `attach`) or detached. */
export interface StartOptions {
  readonly attach?: AttachStdio;
  readonly signal?: AbortSignal;
}

/** The container lifecycle; see the module comment. */
export class Containers {
  readonly records: RecordStore;
  readonly #deps: ContainersDeps;

  constructor(deps: ContainersDeps) {
    this.#deps = deps;
    this.records = new RecordStore(deps.dir);
  }

  /** Creates a container (`kiln create`); it is not started. */
  async create(req: CreateRequest, options: { readonly ownedByThisProcess?: boolean } = {}): Promise<ContainerRecord> {
    if (req.autoRemove && req.restart.name !== 'no') throw new InvalidArgumentError('conflicting options: --restart and --rm');
    return createContainer(req, { records: this.records, images: this.#deps.images, snapshotter: await this.#deps.snapshotter(), tmpDir: this.#deps.tmpDir }, options.ownedByThisProcess === true);
  }

  /**
   * `kiln run`: create and start. Attached, resolves when the container has
   * stopped for good, with its exit code; detached, once it has started.
   */
  async run(req: CreateRequest, options: StartOptions): Promise<{ readonly id: string; readonly exitCode?: number }> {
    // An attached --rm container is this process's: if it is killed, the next sweep removes the filesystem.
    const record = await this.create(req, { ownedByThisProcess: req.autoRemove && options.attach !== undefined });
    if (options.attach === undefined) {
      await this.#startDetached(record);
      return { id: record.id };
    }
    return { id: record.id, exitCode: await this.#supervise(record, options) };
  }

  /** Starts a container that is not running: attached (resolves with its exit code) or detached. */
  async start(ref: string, options: StartOptions = {}): Promise<{ readonly id: string; readonly exitCode?: number }> {
    const c = await this.get(ref);
    if (c.state.status === 'running' || c.state.status === 'restarting') {
      if (options.attach !== undefined) throw new FailedPreconditionError(`container ${c.record.name} is already running: attaching to a running container is not implemented`);
      return { id: c.record.id };
    }
    await this.#clearStop(c.record.id);
    if (options.attach === undefined) {
      await this.#startDetached(c.record);
      return { id: c.record.id };
    }
    return { id: c.record.id, exitCode: await this.#supervise(c.record, options) };
  }

  /** The detached supervisor's work (`kiln container supervise ID`); `report` gets one JSON line once started or failed. */
  async supervise(id: string, options: { readonly signal?: AbortSignal; readonly report: (line: string) => void }): Promise<number> {
    const record = await this.#read(id);
    let reported = false;
    try {
      return await this.#supervise(record, {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onStart: () => {
          reported = true;
          options.report(`${JSON.stringify({ started: true })}\n`);
        },
      });
    } catch (err) {
      if (!reported) options.report(`${JSON.stringify({ error: err instanceof Error ? err.message : String(err), exitCode: exitCodeOf(err) })}\n`);
      throw err;
    }
  }

  /** Waits until the container is not running; its exit code. */
  async wait(ref: string, options: { readonly signal?: AbortSignal } = {}): Promise<number> {
    const id = (await this.get(ref)).record.id;
    for (;;) {
      const state = await this.#stateOf(id);
      if (state === undefined) return 0;
      if (state.status !== 'running' && state.status !== 'restarting') return state.exitCode;
      await new Promise((done) => setTimeout(done, 50));
      options.signal?.throwIfAborted();
    }
  }

  /** Removes a container that is not running (its filesystem, logs, name and record). */
  async remove(ref: string): Promise<string> {
    const c = await this.get(ref);
    if (c.state.status === 'running' || c.state.status === 'restarting') {
      throw new FailedPreconditionError(`cannot remove container ${c.record.name}: it is running; stop it first, or use -f`);
    }
    await this.#removeRecord(c.record);
    return c.record.id;
  }

  /** One container by full id, name or unique id prefix. */
  async get(ref: string): Promise<Container> {
    const id = resolveRef(ref, await this.#index());
    const record = await this.#read(id);
    return { record, state: (await this.#stateOf(id)) ?? CREATED };
  }

  /** Every container (newest first). */
  async list(): Promise<Container[]> {
    const out: Container[] = [];
    for (const id of await this.records.ids()) {
      const record = await this.records.read(id);
      if (record !== undefined) out.push({ record, state: (await this.#stateOf(id)) ?? CREATED });
    }
    return out.sort((a, b) => b.record.created.localeCompare(a.record.created));
  }

  /**
   * After kiln processes were killed: an `--rm` container whose supervisor
   * is gone is removed (its filesystem included), as it would have been had
   * the supervisor lived; the others stay, and read as dead. Returns one
   * message per container that could not be removed.
   */
  async sweep(): Promise<string[]> {
    const failures: string[] = [];
    for (const id of await this.records.ids()) {
      const record = await this.records.read(id);
      if (record === undefined || !record.autoRemove) continue;
      if ((await this.#stateOf(id))?.status !== 'dead') continue;
      await this.#removeRecord(record).catch((err: unknown) => void failures.push(`removing container ${id}: ${err instanceof Error ? err.message : String(err)}`));
    }
    return failures;
  }

  /** The snapshots containers hold (GC keeps them). */
  async snapshots(): Promise<string[]> {
    return (await this.list()).map((c) => c.record.snapshot);
  }

  async #supervise(record: ContainerRecord, options: StartOptions & { onStart?: () => void }): Promise<number> {
    const executor = await this.#deps.executor(record.runtime);
    const snapshotter = await this.#deps.snapshotter();
    return supervise(record, { records: this.records, executor, snapshotter, remove: (id) => this.#removeRecord(record, id) }, options);
  }

  /** Starts the supervisor process and waits for its report (started, or why not). */
  async #startDetached(record: ContainerRecord): Promise<void> {
    const [cmd = '', ...args] = this.#deps.supervisorArgv(record.id);
    const logFd = openSync(this.records.paths(record.id).supervisorLog, 'a', 0o640);
    let child;
    try {
      child = spawn(cmd, args, { cwd: '/', detached: true, stdio: ['ignore', 'ignore', logFd, 'pipe'] });
    } finally {
      closeSync(logFd);
    }
    const report = await readReport(child.stdio[3] as Readable, child);
    child.unref();
    (child.stdio[3] as Readable).destroy();
    if (report.started === true) return;
    const err = new FailedPreconditionError(report.error ?? `the supervisor of container ${record.id} exited before starting it (see ${this.records.paths(record.id).supervisorLog})`);
    if (report.exitCode !== undefined) Object.assign(err, { exitCode: report.exitCode });
    throw err;
  }

  async #removeRecord(record: ContainerRecord, id = record.id): Promise<void> {
    const sn = await this.#deps.snapshotter();
    await sn.remove(record.snapshot).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
    await this.records.remove(id);
    await this.records.releaseName(record.name, id);
  }

  async #clearStop(id: string): Promise<void> {
    const { unlink } = await import('node:fs/promises');
    await ifExists(unlink(this.records.paths(id).stop));
  }

  async #read(id: string): Promise<ContainerRecord> {
    const record = await this.records.read(id);
    if (record === undefined) throw new NotFoundError(`no such container: ${id}`);
    return record;
  }

  /** The recorded state, with a supervisor that is gone reading as `dead`. */
  async #stateOf(id: string): Promise<ContainerState | undefined> {
    const state = await this.records.readState(id);
    if (state === undefined) return undefined;
    if ((state.status === 'running' || state.status === 'restarting') && state.supervisor !== undefined && tagAlive(state.supervisor) === false) {
      const { supervisor: _gone, ...rest } = state;
      return { ...rest, status: 'dead', error: 'its supervising process is gone (killed?)' };
    }
    return state;
  }

  async #index(): Promise<{ id: string; name: string }[]> {
    const out: { id: string; name: string }[] = [];
    for (const id of await this.records.ids()) {
      const r = await this.records.read(id);
      if (r !== undefined) out.push({ id, name: r.name });
    }
    return out;
  }
}

interface Report {
  readonly started?: boolean;
  readonly error?: string;
  readonly exitCode?: number;
}

/** The supervisor's first line on fd 3, or an empty report when it exits without one. */
function readReport(pipe: Readable, child: { once(e: 'error', f: (err: Error) => void): unknown }): Promise<Report> {
  return new Promise((done, fail) => {
    let text = '';
    child.once('error', (err) => fail(new UnavailableError(`cannot start the container supervisor: ${err.message}`, { cause: err })));
    pipe.setEncoding('utf8');
    pipe.on('data', (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) done(JSON.parse(text.slice(0, nl)) as Report);
    });
    pipe.once('end', () => done({}));
  });
}

function exitCodeOf(err: unknown): number | undefined {
  return err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : undefined;
}
