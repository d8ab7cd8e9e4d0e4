/**
 * The supervisor of one container: runs it under the executor with its
 * output going to the json-file log (and to the caller's terminal when
 * attached), records its state (running, exit code, restarts), applies the
 * restart policy while it lives, and removes an `--rm` container at the end.
 * It runs in `kiln run` itself (attached) or in a detached process of its
 * own (`kiln run -d`, see containers.ts); either way the state file names it,
 * so when it is gone kiln can tell a running container from a dead one.
 */
import { existsSync } from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Executor, RunSpec } from '../executor/index.js';
import type { Snapshotter } from '../cache/index.js';
import { selfTag } from '../util/owner-tag.js';
import { JsonLogWriter } from './log-writer.js';
import type { Attached, Networks } from './network/index.js';
import type { RecordStore } from './records.js';
import { nextDelay, shouldRestart } from './restart.js';
import type { ContainerRecord, ContainerState } from './types.js';

/** Where an attached container's streams go (besides the log). */
export interface AttachStdio {
  readonly stdin?: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The caller's stdin is a terminal (a `-t` container gets it directly). */
  readonly terminal: boolean;
}

export interface SuperviseDeps {
  readonly records: RecordStore;
  readonly executor: Executor;
  readonly snapshotter: Snapshotter;
  readonly networks: Networks;
  /** Removes the container entirely (the `--rm` end). */
  readonly remove: (id: string) => Promise<void>;
  /** The host directory of a volume (containers/volumes). */
  readonly volumePath: (name: string) => string;
}

export interface SuperviseOptions {
  readonly signal?: AbortSignal;
  readonly attach?: AttachStdio;
  /** Called once the container's first run has started. */
  readonly onStart?: () => void;
}

/** Where `--init` binds tini (Docker's path for its init). */
const INIT_PATH = '/sbin/docker-init';

/** Exit code of a container stopped by the caller's Ctrl-C (128 + SIGINT). */
const INTERRUPTED = 130;

/**
 * Runs `record` until it stops for good; resolves with its last exit code.
 * Throws when the first start fails (ContainerStartError: 125/126/127), after recording it.
 */
export async function supervise(record: ContainerRecord, deps: SuperviseDeps, options: SuperviseOptions = {}): Promise<number> {
  const { records } = deps;
  const paths = records.paths(record.id);
  const log = new JsonLogWriter(paths.log, record.log);
  const base = { supervisor: selfTag(), finishedAt: '', exitCode: 0, error: '' };
  let restartCount = 0;
  let delay = 0;
  let exitCode = 0;
  try {
    for (let first = true; ; first = false) {
      const startedAt = new Date();
      await records.writeState(record.id, { ...base, status: 'running', startedAt: startedAt.toISOString(), restartCount });
      const outcome = await runOnce(record, deps, log, options, first);
      const finishedAt = new Date().toISOString();
      exitCode = outcome.exitCode;
      if (!outcome.ok && first) {
        await records.writeState(record.id, { status: 'created', startedAt: startedAt.toISOString(), finishedAt, exitCode, error: outcome.message, restartCount });
        throw outcome.error;
      }
      // Decided before any state is written: a container about to restart never reads `exited` in between
      // (`kiln wait` would return at a restart).
      if (options.signal?.aborted === true || !shouldRestart(record.restart, exitCode, restartCount, existsSync(paths.stop))) {
        const final: ContainerState = outcome.ok
          ? { status: 'exited', startedAt: startedAt.toISOString(), finishedAt, exitCode, error: '', restartCount, ...(outcome.oomKilled === true ? { oomKilled: true } : {}) }
          : { status: 'exited', startedAt: startedAt.toISOString(), finishedAt, exitCode, error: outcome.message, restartCount };
        await records.writeState(record.id, final);
        break;
      }
      delay = nextDelay(delay, Date.now() - startedAt.getTime());
      await records.writeState(record.id, { ...base, status: 'restarting', startedAt: startedAt.toISOString(), finishedAt, exitCode, restartCount });
      // A stop during the delay: the container stays exited.
      if (await stoppedWithin(delay, paths.stop, options.signal)) {
        await records.writeState(record.id, { status: 'exited', startedAt: startedAt.toISOString(), finishedAt, exitCode, error: '', restartCount });
        break;
      }
      restartCount++;
    }
  } finally {
    log.close();
    // --rm: also when the first start failed (docker removes such a container too).
    if (record.autoRemove) await deps.remove(record.id);
  }
  return exitCode;
}

type Outcome = { ok: true; exitCode: number; oomKilled?: boolean } | { ok: false; exitCode: number; message: string; error: unknown };

async function runOnce(record: ContainerRecord, deps: SuperviseDeps, log: JsonLogWriter, options: SuperviseOptions, first: boolean): Promise<Outcome> {
  const attach = options.attach;
  const terminal = record.tty && attach?.terminal === true;
  let net: Attached;
  try {
    net = await deps.networks.attach(record.id, record.name, record.network);
  } catch (error) {
    return { ok: false, exitCode: 125, message: error instanceof Error ? error.message : String(error), error };
  }
  try {
    return await runAttached(record, deps, log, options, first, net, terminal);
  } finally {
    await net.release().catch(() => undefined);
  }
}

async function runAttached(record: ContainerRecord, deps: SuperviseDeps, log: JsonLogWriter, options: SuperviseOptions, first: boolean, net: Attached, terminal: boolean): Promise<Outcome> {
  const attach = options.attach;
  const sec = record.security;
  const init = sec?.init;
  const spec: RunSpec = {
    id: record.id,
    rootfs: await deps.snapshotter.mounts(record.snapshot),
    args: record.process.args,
    env: record.process.env,
    cwd: record.process.cwd,
    ...(record.process.user === undefined ? {} : { user: record.process.user }),
    network: net.network,
    hostname: net.hostname,
    mounts: [
      ...record.mounts.map((m) => (m.type === 'volume' ? { type: 'bind' as const, source: deps.volumePath(m.name), destination: m.destination, readonly: m.readonly } : m)),
      ...net.mounts,
      ...(sec?.tmpfs ?? []).map((t) => ({ type: 'tmpfs' as const, destination: t.destination, options: t.options })),
      ...(init === undefined ? [] : [{ type: 'bind' as const, source: init, destination: INIT_PATH, readonly: true }]),
    ],
    ...(init === undefined ? {} : { args: [INIT_PATH, '--', ...record.process.args] }),
    ...(sec === undefined ? {} : { readonlyRootfs: sec.readonlyRootfs, capAdd: sec.capAdd, capDrop: sec.capDrop, groupAdd: sec.groupAdd }),
    ...(sec?.seccomp === undefined ? {} : { seccomp: sec.seccomp }),
    ...(sec?.rlimits === undefined ? {} : { rlimits: sec.rlimits }),
    ...(sec?.privileged === true ? { privileged: true } : {}),
    // Attached without a terminal, `-t` is ignored (as before: output stays separable); detached, the runtime gets a pty.
    tty: attach === undefined ? record.tty : terminal,
    ...(record.limits === undefined ? {} : { limits: record.limits }),
  };
  // A terminal handed straight to the runtime cannot be logged; everything else is.
  const stdio = terminal && attach !== undefined
    ? { ...(record.interactive && attach.stdin !== undefined ? { stdin: attach.stdin } : {}), stdout: attach.stdout, stderr: attach.stderr }
    : {
        ...stdinFor(record, attach),
        stdout: log.stream('stdout', attach?.stdout),
        stderr: log.stream('stderr', attach?.stderr),
      };
  try {
    const onStart = first ? options.onStart : undefined;
    const result = await deps.executor.run(spec, { stdio, ...(options.signal === undefined ? {} : { signal: options.signal }), ...(onStart === undefined ? {} : { onStart }) });
    return { ok: true, exitCode: result.exitCode, ...(result.oomKilled === true ? { oomKilled: true } : {}) };
  } catch (error) {
    if (options.signal?.aborted === true) return { ok: true, exitCode: INTERRUPTED };
    const exitCode = error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number' ? error.exitCode : 125;
    return { ok: false, exitCode, message: error instanceof Error ? error.message : String(error), error };
  } finally {
    log.flush();
  }
}

/** Waits `ms`; true as soon as a stop is asked for (the marker file appears, or `signal` aborts). */
async function stoppedWithin(ms: number, marker: string, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (signal?.aborted === true || existsSync(marker)) return true;
    await sleep(Math.min(100, deadline - Date.now()));
  }
  return signal?.aborted === true || existsSync(marker);
}

/** `-i`: the caller's stdin when attached; detached, a pipe kept open so the process never sees end of input. */
function stdinFor(record: ContainerRecord, attach: AttachStdio | undefined): { stdin?: Readable } {
  if (!record.interactive) return {};
  if (attach?.stdin !== undefined) return { stdin: attach.stdin };
  return attach === undefined ? { stdin: new PassThrough() } : {};
}
