/**
 * Running `<runtime> run` in the foreground and waiting for it: stdio wiring
 * (pipes, or a terminal), the exit code, and abort (SIGTERM, then SIGKILL
 * after a grace period, both through `<runtime> kill`).
 *
 * Terminal mode (`-t`): `process.terminal` is true and the runtime runs in
 * the foreground without --console-socket, so it allocates the container's
 * pty itself and copies between it and its own stdio, which must be a
 * terminal. When the caller's stdin and stdout are TTYs, the runtime gets
 * them directly (it sets raw mode and follows window size changes);
 * otherwise it runs under `script -qfec` (util-linux), which provides a pty
 * and copies it to plain pipes. Either way stdout and stderr are merged, as
 * with `docker run -t`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { UnavailableError } from '../util/errors.js';
import { startErrorFromRuntime } from './errors.js';
import { forkRuntime, killContainer, runtimeArgv, type RuntimeHandle } from './runtime-cli.js';
import { shellQuote } from './runtime.js';
import type { RunStdio } from './types.js';

export interface ContainerProcessOptions {
  readonly handle: RuntimeHandle;
  readonly id: string;
  readonly bundleDir: string;
  readonly logFile: string;
  readonly tty: boolean;
  readonly stdio: RunStdio;
  readonly signal: AbortSignal | undefined;
  readonly killGraceMs: number;
  readonly onStart?: (() => void) | undefined;
}

/**
 * Runs the container to completion and returns its exit code (128+N when
 * killed by signal N). Throws ContainerStartError when the runtime reports
 * that the process never started, and `signal.reason` when aborted.
 */
export async function runContainerProcess(o: ContainerProcessOptions): Promise<number> {
  const argv = runtimeArgv(o.handle, ['run', '--bundle', o.bundleDir, o.id], o.logFile);
  const child = forkRuntime(o.handle.runtime, () => spawnRuntime(argv, o.tty, o.stdio));
  const unwire = wire(child, o.stdio);
  const exited = waitExit(child);
  o.onStart?.();
  const stop = (): void => void stopContainer(o, exited);
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (o.signal?.aborted === true) stop();
    const code = await exited;
    o.signal?.throwIfAborted();
    if (code !== 0) await throwIfRuntimeFailed(o.logFile);
    return code;
  } finally {
    o.signal?.removeEventListener('abort', stop);
    unwire();
  }
}

/** Options of {@link runExecProcess}. */
export interface ExecProcessOptions {
  readonly handle: RuntimeHandle;
  readonly id: string;
  /** The process.json to run. */
  readonly processFile: string;
  /** Where the runtime logs (JSON lines): a start failure is read from it. */
  readonly logFile: string;
  readonly tty: boolean;
  readonly stdio: RunStdio;
  readonly signal: AbortSignal | undefined;
  readonly onStart?: (() => void) | undefined;
}

/**
 * `<runtime> exec --process FILE <id>` in the foreground; resolves with the
 * process's exit code. Abort sends SIGTERM to the runtime, which passes it on.
 */
export async function runExecProcess(o: ExecProcessOptions): Promise<number> {
  const argv = runtimeArgv(o.handle, ['exec', '--process', o.processFile, o.id], o.logFile);
  const child = forkRuntime(o.handle.runtime, () => spawnRuntime(argv, o.tty, o.stdio));
  const unwire = wire(child, o.stdio);
  const exited = waitExit(child);
  o.onStart?.();
  const stop = (): void => void child.kill('SIGTERM');
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (o.signal?.aborted === true) stop();
    const code = await exited;
    o.signal?.throwIfAborted();
    if (code !== 0) await throwIfRuntimeFailed(o.logFile);
    return code;
  } finally {
    o.signal?.removeEventListener('abort', stop);
    unwire();
  }
}

function spawnRuntime(argv: readonly string[], tty: boolean, stdio: RunStdio): ChildProcess {
  const [cmd = '', ...args] = argv;
  if (tty && isTerminal(stdio.stdin) && isTerminal(stdio.stdout)) {
    return spawn(cmd, args, { stdio: [fdOf(stdio.stdin), fdOf(stdio.stdout), 'pipe'] });
  }
  if (!tty) return spawn(cmd, args, { stdio: [stdio.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  // -E never: script's own pty must not echo input; the container's pty does. Its stdin is
  // always a pipe, left open without input: at EOF script would type an end-of-file character.
  const script = ['-qfe', '-E', 'never', '-c', argv.map(shellQuote).join(' '), '/dev/null'];
  return spawn('script', script, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/sh' } });
}

/** Pipes the caller's streams to the child; returns the undo (the caller's streams stay open). */
function wire(child: ChildProcess, stdio: RunStdio): () => void {
  child.stdout?.pipe(stdio.stdout, { end: false });
  child.stderr?.pipe(stdio.stderr, { end: false });
  const input = child.stdin;
  input?.on('error', () => undefined); // EPIPE when the container exits without reading everything
  if (input !== null) stdio.stdin?.pipe(input);
  return () => {
    if (input !== null) stdio.stdin?.unpipe(input);
    input?.destroy();
  };
}

/** Resolves with the exit code once the child exited and its stdio is drained. */
function waitExit(child: ChildProcess): Promise<number> {
  return new Promise((done, fail) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      const what = err.code !== 'ENOENT' ? err.message : child.spawnfile === 'script' ? 'script(1) not found (apt-get install bsdutils)' : `${child.spawnfile} not found`;
      fail(new UnavailableError(`cannot start the container runtime: ${what}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      if (code !== null) return done(code);
      done(128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}

/** SIGTERM, then SIGKILL after the grace period, until the runtime has exited. */
async function stopContainer(o: ContainerProcessOptions, exited: Promise<number>): Promise<void> {
  let done = false;
  void exited.then(
    () => (done = true),
    () => (done = true),
  );
  const deadline = Date.now() + o.killGraceMs;
  // The container may not exist yet when abort comes early: retry until it does or the runtime gives up.
  while (!done && Date.now() < deadline && !(await killContainer(o.handle, o.id, 'TERM').catch(() => false))) await settle(exited, 20);
  while (!done && Date.now() < deadline) await settle(exited, Math.min(50, deadline - Date.now()));
  while (!done) {
    await killContainer(o.handle, o.id, 'KILL').catch(() => false);
    await settle(exited, 100);
  }
}

/** Waits for `p` to settle or `ms` to pass, whichever is first. */
function settle(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const sleep = new Promise<void>((done) => (timer = setTimeout(done, Math.max(0, ms))));
  return Promise.race([p.then(() => undefined, () => undefined), sleep]).finally(() => clearTimeout(timer));
}

/** Throws when the runtime logged an error: the process never ran (runc/crun log JSON lines). */
async function throwIfRuntimeFailed(logFile: string): Promise<void> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  let message: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
      if ((entry.level === 'error' || entry.level === 'fatal') && typeof entry.msg === 'string') message = entry.msg;
    } catch {
      // not JSON: ignore
    }
  }
  if (message !== undefined) throw startErrorFromRuntime(message);
}

function isTerminal(s: Readable | Writable | undefined): boolean {
  return s !== undefined && (s as { isTTY?: boolean }).isTTY === true && typeof (s as { fd?: unknown }).fd === 'number';
}

function fdOf(s: Readable | Writable | undefined): number {
  return (s as unknown as { fd: number }).fd;
}
