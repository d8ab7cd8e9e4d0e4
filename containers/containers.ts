/**
 * Containers: the container lifecycle as a library, for `kiln run` and the
 * container commands (and later an API server). State lives under
 * `<root>/containers/` (records.ts); each started container has one
 * supervisor (supervise.ts): `kiln run` itself when attached, a detached
 * process of its own otherwise, started with the argv the caller gives
 * (the CLI's own entry: `kiln container supervise ID`).
 */
import { unlink, writeFile } from 'node:fs/promises';
import type { Snapshotter } from '../cache/index.js';
import type { ExecSpec, OciRuntimeExecutor, RunStdio } from '../executor/index.js';
import type { ImageStore } from '../store/index.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../util/errors.js';
import { tagAlive } from '../util/owner-tag.js';
import { ifExists } from '../util/if-exists.js';
import { createContainer } from './create.js';
import { startSupervisor } from './detach.js';
import { checkName, resolveRef } from './names.js';
import { inspectView } from './inspect.js';
import { readLog, type LogEntry, type ReadLogOptions } from './log-reader.js';
import { RecordStore } from './records.js';
import { supervise, type AttachStdio } from './supervise.js';
import type { Container, ContainerRecord, ContainerState, CreateRequest } from './types.js';
import { CREATED } from './create.js';
import { Networks, type PortBinding } from './network/index.js';
import { Volumes } from './volumes/index.js';

/** What Containers needs from the root (cli/worker.ts provides it). */
export interface ContainersDeps {
  /** `<root>/containers` (RootLayout.containers). */
  readonly dir: string;
  readonly images: ImageStore;
  snapshotter(): Promise<Snapshotter>;
  /** The executor for a runtime (`--runtime` value, undefined: the default). */
  executor(runtime: string | undefined): Promise<OciRuntimeExecutor>;
  tmpDir(): Promise<string>;
  /** `<root>/network` (RootLayout.network): container networks and user-defined networks. */
  readonly networkDir: string;
  /** `<root>/volumes` (RootLayout.volumes): named and anonymous volumes. */
  readonly volumesDir: string;
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
  readonly networks: Networks;
  readonly volumes: Volumes;
  readonly #deps: ContainersDeps;

  constructor(deps: ContainersDeps) {
    this.#deps = deps;
    this.records = new RecordStore(deps.dir);
    this.networks = new Networks(deps.networkDir);
    this.volumes = new Volumes(deps.volumesDir, () => this.#volumeUsers());
  }

  /** Volume name → the containers whose mounts name it. */
  async #volumeUsers(): Promise<Map<string, string[]>> {
    const users = new Map<string, string[]>();
    for (const c of await this.list()) {
      for (const m of c.record.mounts) if (m.type === 'volume') users.set(m.name, [...(users.get(m.name) ?? []), c.record.id]);
    }
    return users;
  }

  /**
   * `kiln network connect`: joins a running container to a user-defined
   * network now (for this run; the record keeps its network of `run`).
   */
  async connect(network: string, ref: string, aliases: readonly string[] = []): Promise<void> {
    const c = await this.#running(ref, 'connect');
    const netns = this.networks.netnsOf(c.record.id);
    const s = c.record.network;
    if (s.mode === 'host' || s.mode === 'none') throw new FailedPreconditionError(`container ${c.record.name} uses the ${s.mode} network: it cannot join another`);
    const net = await this.networks.store.get(network);
    if ((await this.networks.store.membership(c.record.id)).some((m) => m.network.id === net.id)) throw new FailedPreconditionError(`container ${c.record.name} is already connected to network ${net.name}`);
    const owner = await this.networks.ownerOf(c.record.id);
    if (owner === undefined) throw new FailedPreconditionError(`container ${c.record.name} has no network of its own to connect`);
    await this.networks.store.join({ owner, id: c.record.id, name: c.record.name, hostname: s.hostname ?? c.record.id.slice(0, 12), aliases, netns, hostsPath: `${netns.slice(0, -'netns'.length)}hosts`, extraHosts: s.extraHosts }, net.name);
  }

  /** `kiln network disconnect`: takes a running container off a network. */
  async disconnect(network: string, ref: string): Promise<void> {
    const c = await this.#running(ref, 'disconnect');
    await this.networks.store.leave(c.record.id, network);
  }

  async #running(ref: string, what: string): Promise<Container> {
    const c = await this.get(ref);
    if (c.state.status !== 'running') throw new FailedPreconditionError(`container ${c.record.name} is not running: network ${what} works on running containers only (not implemented for stopped ones)`);
    return c;
  }

  /** `kiln port`: the published ports of a running container. */
  async ports(ref: string): Promise<PortBinding[]> {
    const c = await this.get(ref);
    return c.state.status === 'running' ? this.networks.ports(c.record.id) : [];
  }

  /** Creates a container (`kiln create`); it is not started. */
  async create(req: CreateRequest, options: { readonly ownedByThisProcess?: boolean } = {}): Promise<ContainerRecord> {
    if (req.autoRemove && req.restart.name !== 'no') throw new InvalidArgumentError('conflicting options: --restart and --rm');
    // Like docker: an unknown network fails the create, not the start.
    if (!['bridge', 'host', 'none'].includes(req.network.mode)) await this.networks.store.get(req.network.mode);
    else if (req.network.aliases.length > 0) throw new InvalidArgumentError('--network-alias is only for user-defined networks');
    const deps = { records: this.records, images: this.#deps.images, snapshotter: await this.#deps.snapshotter(), tmpDir: this.#deps.tmpDir, volumes: this.volumes.store };
    return createContainer(req, deps, options.ownedByThisProcess === true);
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
    if (isActive(c.state)) {
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
    // The id names a directory under the root: only a full id, never a path.
    if (!/^[0-9a-f]{64}$/.test(id)) throw new InvalidArgumentError(`invalid container id ${JSON.stringify(id)}: expected 64 hex digits`);
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
      if (!isActive(state)) return state.exitCode;
      await new Promise((done) => setTimeout(done, 50));
      options.signal?.throwIfAborted();
    }
  }

  /**
   * Removes a container (its filesystem, logs, name and record); `force`
   * kills a running one first; `volumes` (`rm -v`) also removes its anonymous volumes.
   */
  async remove(ref: string, options: { readonly force?: boolean; readonly volumes?: boolean } = {}): Promise<string> {
    const c = await this.get(ref);
    if (isActive(c.state)) {
      if (options.force !== true) throw new FailedPreconditionError(`cannot remove container ${c.record.name}: it is running; stop it first, or use -f`);
      await this.#markStopped(c.record.id);
      await this.#killUntilStopped(c.record);
    }
    await this.#removeRecord(c.record, c.record.id, options.volumes === true);
    return c.record.id;
  }

  /**
   * `kiln stop`: the stop signal (the image's StopSignal, `--stop-signal`, or
   * SIGTERM), then SIGKILL after `timeoutSeconds` (default: the container's
   * `--stop-timeout`, else 10). No restart policy applies afterwards.
   */
  async stop(ref: string, options: { readonly timeoutSeconds?: number } = {}): Promise<string> {
    const c = await this.get(ref);
    await this.#markStopped(c.record.id);
    if (!isActive(c.state)) return c.record.id;
    const timeout = (options.timeoutSeconds ?? c.record.stopTimeout) * 1000;
    if (timeout > 0) await this.#signal(c.record, c.record.stopSignal);
    if (!(await this.#waitStopped(c.record.id, timeout))) await this.#killUntilStopped(c.record);
    return c.record.id;
  }

  /** `kiln kill`: sends `signal` (default SIGKILL); SIGKILL or the stop signal also end the restart policy, as a stop does. */
  async kill(ref: string, signal = 'SIGKILL'): Promise<string> {
    const c = await this.get(ref);
    if (c.state.status !== 'running') throw new FailedPreconditionError(`cannot kill container ${c.record.name}: it is not running`);
    if (signal === 'SIGKILL' || signal === c.record.stopSignal) await this.#markStopped(c.record.id);
    if (!(await this.#signal(c.record, signal))) throw new FailedPreconditionError(`cannot kill container ${c.record.name}: it is not running`);
    return c.record.id;
  }

  /** `kiln restart`: stop (if running), then start detached. */
  async restart(ref: string, options: { readonly timeoutSeconds?: number } = {}): Promise<string> {
    const id = await this.stop(ref, options);
    await this.start(id);
    return id;
  }

  /** `kiln rename`: the new name must be free; the old one is free afterwards. */
  async rename(ref: string, newName: string): Promise<void> {
    const c = await this.get(ref);
    const name = checkName(newName);
    if (name === c.record.name) throw new InvalidArgumentError(`container ${c.record.name} is already named ${name}`);
    await this.records.claimName(name, c.record.id);
    await this.records.rewrite({ ...c.record, name });
    await this.records.releaseName(c.record.name, c.record.id);
  }

  /** `kiln container prune`: removes every container that is not running; their ids and the bytes their filesystems held. */
  async prune(): Promise<{ readonly removed: readonly string[]; readonly bytes: number }> {
    const sn = await this.#deps.snapshotter();
    const removed: string[] = [];
    let bytes = 0;
    for (const c of await this.list()) {
      if (isActive(c.state)) continue;
      bytes += (await sn.usage(c.record.snapshot).catch(() => ({ size: 0 }))).size;
      await this.#removeRecord(c.record);
      removed.push(c.record.id);
    }
    return { removed, bytes };
  }

  /** `kiln exec`: another process in a running container; resolves with its exit code. */
  async exec(ref: string, spec: ExecSpec, options: { readonly stdio: RunStdio; readonly signal?: AbortSignal }): Promise<number> {
    const c = await this.get(ref);
    if (c.state.status !== 'running') throw new FailedPreconditionError(`container ${c.record.name} is not running`);
    const executor = await this.#deps.executor(c.record.runtime);
    return executor.exec(c.record.id, spec, options);
  }

  /** `kiln logs`: the container's output entries (see log-reader.ts). */
  async logs(ref: string, emit: (e: LogEntry) => void, options: Omit<ReadLogOptions, 'stillRunning'> = {}): Promise<void> {
    const c = await this.get(ref);
    const id = c.record.id;
    const stillRunning = async (): Promise<boolean> => isActive((await this.#stateOf(id)) ?? CREATED);
    await readLog(this.records.paths(id).log, c.record.log.maxFile, emit, { ...options, stillRunning });
  }

  /** `kiln top`: the host pids of a running container's processes. */
  async pids(ref: string): Promise<number[]> {
    const c = await this.get(ref);
    if (c.state.status !== 'running') throw new FailedPreconditionError(`container ${c.record.name} is not running`);
    return (await this.#deps.executor(c.record.runtime)).pids(c.record.id);
  }

  /** `kiln container inspect`: docker's shape (inspect.ts). */
  async inspect(ref: string): Promise<Record<string, unknown>> {
    const c = await this.get(ref);
    const pid = c.state.status === 'running' ? ((await (await this.#deps.executor(c.record.runtime)).state(c.record.id))?.pid ?? 0) : 0;
    return inspectView(c, pid, this.records.paths(c.record.id).log, (name) => this.volumes.store.dataPath(name));
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
      await this.#removeRecord(record, id, true).catch((err: unknown) => void failures.push(`removing container ${id}: ${err instanceof Error ? err.message : String(err)}`));
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
    // --rm also removes the container's anonymous volumes (docker's rule).
    const remove = (id: string): Promise<void> => this.#removeRecord(record, id, true);
    return supervise(record, { records: this.records, executor, snapshotter, networks: this.networks, remove, volumePath: (name) => this.volumes.store.dataPath(name) }, options);
  }

  /** Starts the supervisor process and waits for its report (started, or why not). */
  async #startDetached(record: ContainerRecord): Promise<void> {
    await startSupervisor(this.#deps.supervisorArgv(record.id), this.records.paths(record.id).supervisorLog, record.id);
  }

  async #removeRecord(record: ContainerRecord, id = record.id, anonymousVolumes = false): Promise<void> {
    const sn = await this.#deps.snapshotter();
    await sn.remove(record.snapshot).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
    await this.records.remove(id);
    await this.records.releaseName(record.name, id);
    if (!anonymousVolumes) return;
    for (const m of record.mounts) {
      // Another container may have mounted it too (by name): then it stays, as in docker.
      if (m.type === 'volume' && m.anonymous) await this.volumes.remove(m.name, { force: true }).catch(() => undefined);
    }
  }

  /** Marks a stop the user asked for: the supervisor applies no restart policy after it. */
  async #markStopped(id: string): Promise<void> {
    await writeFile(this.records.paths(id).stop, '');
  }

  async #signal(record: ContainerRecord, signal: string): Promise<boolean> {
    return (await this.#deps.executor(record.runtime)).signal(record.id, signal);
  }

  /**
   * SIGKILL until the supervisor records the container stopped (a restart may be starting it again meanwhile).
   * A runtime that cannot deliver the signal at all (e.g. a rootless kiln outside the namespace that started
   * the container) is reported after ten tries instead of retried forever.
   */
  async #killUntilStopped(record: ContainerRecord): Promise<void> {
    for (let refused = 0; ; ) {
      refused = (await this.#signal(record, 'SIGKILL')) ? 0 : refused + 1;
      if (await this.#waitStopped(record.id, 500)) return;
      if (refused >= 10) throw new FailedPreconditionError(`cannot stop container ${record.name}: the runtime cannot signal it (${record.runtime ?? 'default runtime'}); it is still running`);
    }
  }

  /** Polls the state until the container is not running (true) or `ms` passed (false). */
  async #waitStopped(id: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (!isActive((await this.#stateOf(id)) ?? CREATED)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  async #clearStop(id: string): Promise<void> {
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

/** Running, or waiting to restart: a supervisor holds it. */
function isActive(state: ContainerState): boolean {
  return state.status === 'running' || state.status === 'restarting';
}

function exitCodeOf(err: unknown): number | undefined {
  return err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : undefined;
}
