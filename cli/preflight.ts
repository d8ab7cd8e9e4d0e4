/**
 * Up-front checks before a command touches anything: the user can do what the
 * command needs, and the host programs it runs are installed
 * (util/host-tools.ts names them). Failing here gives one clear line instead
 * of EPERM or ENOENT deep inside a build.
 */
import { userInfo } from 'node:os';
import { FailedPreconditionError, UnavailableError } from '../util/errors.js';
import { missingTools, type ToolNeed } from '../util/host-tools.js';
import { ROOTLESS_ENV } from '../util/rootless.js';

/** What each command needs; commands not listed need neither root nor tools. */
const NEEDS: Readonly<Record<string, readonly ToolNeed[]>> = {
  build: ['containers', 'layers'],
  run: ['containers', 'layers'],
  pull: ['layers'],
  load: ['layers'],
  import: ['layers'],
};

export interface PreflightOptions {
  /** `--runtime`: a path or name the executor resolves itself. */
  readonly runtime?: string | undefined;
  readonly uid?: number;
  readonly path?: string;
}

/** Throws when `command` cannot work here, naming why and what to do. */
export async function preflight(command: string, o: PreflightOptions = {}): Promise<void> {
  const needs = NEEDS[command];
  if (needs === undefined) return;
  const uid = o.uid ?? process.geteuid?.() ?? 0;
  if (uid !== 0) {
    throw new FailedPreconditionError(
      `kiln needs root or a user namespace: kiln ${command} runs as uid ${uid}${userName(uid)}, and mounting snapshots and running containers need uid 0; ` +
        `an ordinary user's kiln enters its own user namespace at start (rootless mode), which did not happen here (${ROOTLESS_ENV} is set in the environment?): unset it, or run kiln as root (sudo kiln ${command} …)`,
    );
  }
  const skip = o.runtime === undefined ? [] : ['runc', 'crun'];
  const missing = await missingTools(needs, o.path ?? process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', skip);
  if (missing.length > 0) throw new UnavailableError(missing.join('; '));
}

function userName(uid: number): string {
  try {
    const u = userInfo();
    return u.uid === uid ? ` (${u.username})` : '';
  } catch {
    return ''; // no passwd entry for this uid
  }
}
