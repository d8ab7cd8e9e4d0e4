/**
 * Outbound access and published ports for a private network namespace, by
 * user-mode networking: pasta (Debian's `passt` package). It adds a tap
 * interface to the namespace with the host's address and routes, and
 * carries the namespace's traffic through ordinary sockets of the host, so
 * the host's firewall, routes and interfaces are never changed (Docker's
 * bridge rewrites iptables and needs a bridge on the host). Published ports
 * are sockets pasta listens on in the host's namespace.
 *
 * pasta runs as root here (`--runas 0`; rootless, that is the user): dropped to nobody it cannot enter a
 * namespace bound by root. It is given its namespace as a file, so it quits
 * by itself once kiln removes that file. `-T none -U none`: the host's own
 * listening ports are not forwarded into the container.
 * https://passt.top/builds/latest/web/passt.1.html
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, processIdentity } from '../../util/lock.js';
import { ifExists } from '../../util/if-exists.js';
import { FailedPreconditionError, UnavailableError } from '../../util/errors.js';
import { rootless } from '../../util/rootless.js';
import { run } from './netns.js';
import { pastaPortArgs, type PortBinding } from './ports.js';

/** Starts pasta for `netns` (forking once it is ready); returns its process identity (`pid:starttime`). */
export async function startPasta(netns: string, bindings: readonly PortBinding[], files: { readonly pid: string; readonly log: string }): Promise<string> {
  if (rootless() !== undefined) checkRootless(bindings);
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

/**
 * Rootless, pasta is the user: it needs /dev/net/tun (Debian's udev makes it
 * 0666; some hosts keep it 0600) and cannot listen below the kernel's
 * unprivileged port start. Both are said before pasta fails on them.
 */
function checkRootless(bindings: readonly PortBinding[]): void {
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    throw new FailedPreconditionError(
      'rootless networking needs /dev/net/tun readable and writable by the user (pasta opens it): as root, run chmod 0666 /dev/net/tun (Debian\'s default), or use --network host or none',
    );
  }
  const start = unprivilegedPortStart();
  const low = bindings.find((b) => b.hostPort < start);
  if (low !== undefined) {
    throw new FailedPreconditionError(
      `rootless kiln cannot publish host port ${low.hostPort}: ports below ${start} need root (net.ipv4.ip_unprivileged_port_start = ${start}); publish a port >= ${start}, or as root run sysctl -w net.ipv4.ip_unprivileged_port_start=${low.hostPort}`,
    );
  }
}

function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return 1024;
  }
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
