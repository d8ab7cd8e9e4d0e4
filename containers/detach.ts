/**
 * Starting a detached container's supervisor: a process in a session of its
 * own (no terminal, cwd `/`, stderr appended to `supervisor.log`) that
 * reports on fd 3 one JSON line, `{"started":true}` or `{"error":…,"exitCode":…}`,
 * then runs on after kiln exits.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { FailedPreconditionError, UnavailableError } from '../util/errors.js';

interface Report {
  readonly started?: boolean;
  readonly error?: string;
  readonly exitCode?: number;
}

/** Starts `argv`; resolves once it reports the container started, rejects with its error (and exit code) otherwise. */
export async function startSupervisor(argv: readonly string[], logPath: string, id: string): Promise<void> {
  const [cmd = '', ...args] = argv;
  const logFd = openSync(logPath, 'a', 0o640);
  let child;
  try {
    child = spawn(cmd, args, { cwd: '/', detached: true, stdio: ['ignore', 'ignore', logFd, 'pipe'] });
  } finally {
    closeSync(logFd);
  }
  const pipe = child.stdio[3] as Readable;
  const report = await readReport(pipe, child);
  child.unref();
  pipe.destroy();
  if (report.started === true) return;
  const err = new FailedPreconditionError(report.error ?? `the supervisor of container ${id} exited before starting it (see ${logPath})`);
  if (report.exitCode !== undefined) Object.assign(err, { exitCode: report.exitCode });
  throw err;
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
