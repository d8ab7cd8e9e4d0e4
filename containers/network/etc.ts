/**
 * The container's /etc/hosts and /etc/resolv.conf on a private network:
 * its own name on its address, `--add-host` entries, the other containers
 * of its user-defined networks by name and alias, and name servers from
 * `--dns` or the host's (loopback ones dropped: they mean the host, which a
 * private network namespace cannot reach that way).
 * https://docs.docker.com/engine/network/#dns-services
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../util/errors.js';

const LOCAL = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'ff00::0\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters'];

/** One hosts line's worth: an address and its names. */
export interface HostEntry {
  readonly ip: string;
  readonly names: readonly string[];
}

/** `--add-host name:ip` (docker also takes `name=ip`); `host-gateway` is not supported. */
export function parseAddHost(text: string): HostEntry {
  const m = /^([^:=]+)[:=](.+)$/.exec(text);
  const name = m?.[1] ?? '';
  const ip = (m?.[2] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (m === null || name === '') throw new InvalidArgumentError(`--add-host ${JSON.stringify(text)}: expected NAME:IP`);
  if (ip === 'host-gateway') throw new InvalidArgumentError(`--add-host ${JSON.stringify(text)}: host-gateway is not implemented`);
  if (isIP(ip) === 0) throw new InvalidArgumentError(`--add-host ${JSON.stringify(text)}: invalid IP address ${JSON.stringify(ip)}`);
  return { ip, names: [name] };
}

/** `--dns IP`. */
export function checkDns(ip: string): string {
  if (isIP(ip) === 0) throw new InvalidArgumentError(`--dns ${JSON.stringify(ip)}: invalid IP address`);
  return ip;
}

/** The hosts file: localhost lines, self (its address, else 127.0.0.1), peers, then --add-host entries. */
export function hostsFile(self: HostEntry, peers: readonly HostEntry[], extra: readonly HostEntry[]): string {
  const line = (e: HostEntry): string => `${e.ip}\t${e.names.join(' ')}`;
  return [...LOCAL, line(self), ...peers.map(line), ...extra.map(line), ''].join('\n');
}

/** resolv.conf: `--dns` servers, else the host's non-loopback ones; the host's search and options lines stay. */
export function resolvConf(hostText: string, dns: readonly string[]): string {
  const lines = hostText.split('\n').map((l) => l.trim());
  const keep = lines.filter((l) => /^(search|domain|options)\s/.test(l));
  const hostServers = lines.flatMap((l) => {
    const m = /^nameserver\s+(\S+)/.exec(l);
    return m === null || isLoopback(m[1] ?? '') ? [] : [m[1] ?? ''];
  });
  const servers = dns.length > 0 ? dns : hostServers;
  return [...servers.map((s) => `nameserver ${s}`), ...keep, ''].join('\n');
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}
