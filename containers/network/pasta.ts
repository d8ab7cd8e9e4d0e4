/**
 * Outbound access and published ports for a private network namespace, by
 * user-mode networking: pasta (Debian's `passt` package). It adds a tap
 * interface to the namespace with the host's address and routes, and
 * carries the namespace's traffic through ordinary sockets of the host, so
 * the host's firewall, routes and interfaces are never changed (Docker's
 * bridge rewrites iptables and needs a bridge on the host). Published ports
 * are sockets pasta listens on in the host's namespace.
 *
 * pasta runs as root here (`--runas 0`): dropped to nobody it cannot enter a
 * namespace bound by root. It is given its namespace as a file, so it quits
 * by itself once kiln removes that file. `-T none -U none`: the host's own
 * listening ports are not forwarded into the container.
 * https://passt.top/builds/latest/web/passt.1.html
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, processIdentity } from '../../util/lock.js';
import { ifExists } from '../../util/if-exists.js';
import { UnavailableError } from '../../util/errors.js';
import { run } from './netns.js';
import { pastaPortArgs, type PortBinding } from './ports.js';

/** Starts pasta for `netns` (forking once it is ready); returns its process identity (`pid:starttime`). */
export async function startPasta(netns: string, bindings: readonly PortBinding[], files: { readonly pid: string; readonly log: string }): Promise<string> {
  const args = ['--netns', netns, '--runas', '0', '--config-net', ...pastaPortArgs(bindings), '-T', 'none', '-U', 'none', '--quiet', '--pid', files.pid, '--log-file', files.log, '--log-size', '65536'];
  try {
    await run('pasta', args);
  } catch (err) {
    const log = (await ifExists(readFile(files.log, 'utf8')))?.trim();
    const detail = log === undefined || log === '' ? (err as Error).message : log.split('\n').slice(-3).join('; ');
    throw new UnavailableError(`starting pasta (user-mode networking) for the container failed: ${detail}`, { cause: err });
  }
  const pid = Number((await readFile(files.pid, 'utf8')).trim());
  const identity = processIdentity(pid);
  if (identity === undefined) throw new UnavailableError(`pasta exited right after starting (see ${files.log})`);
  return identity;
}

/** Stops the pasta process `identity` names, if it still runs (never another process that reused its pid). */
export async function stopPasta(identity: string): Promise<void> {
  const pid = Number(identity.split(':')[0]);
  for (let i = 0; i < 100 && isAlive(identity); i++) {
    try {
      process.kill(pid, i < 50 ? 'SIGTERM' : 'SIGKILL');
    } catch {
      return;
    }
    await sleep(10);
  }
}
