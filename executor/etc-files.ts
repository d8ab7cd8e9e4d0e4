/**
 * The files kiln binds over /etc/hosts, /etc/resolv.conf and /etc/hostname.
 * With the host network they follow the host's (as Docker does); with none
 * the container knows only itself and has no name servers.
 */
import { readFileSync } from 'node:fs';
import type { RunSpec } from './types.js';

/** Contents of the three files. */
export interface EtcFiles {
  readonly hosts: string;
  readonly resolvConf: string;
  readonly hostname: string;
}

/** What the host's files say (empty when missing). */
export interface HostEtc {
  readonly hosts: string;
  readonly resolvConf: string;
}

const LOCAL_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** The three files for a container named `hostname` on `network`. */
export function etcFiles(network: RunSpec['network'], hostname: string, host: HostEtc, extraHosts: RunSpec['extraHosts'] = []): EtcFiles {
  const self = `127.0.0.1\t${hostname}`;
  // `--add-host` lines come last, as BuildKit writes them.
  const extra = extraHosts.map((h) => `${h.ip}\t${h.name}\n`).join('');
  if (network === 'host') {
    const base = host.hosts === '' ? LOCAL_HOSTS.join('\n') + '\n' : ensureNewline(host.hosts);
    return { hosts: `${base}${self}\n${extra}`, resolvConf: host.resolvConf, hostname: `${hostname}\n` };
  }
  return { hosts: [...LOCAL_HOSTS, self, ''].join('\n') + extra, resolvConf: '', hostname: `${hostname}\n` };
}

/** Reads the host's /etc/hosts and /etc/resolv.conf (missing ones read as empty). */
export async function readHostEtc(): Promise<HostEtc> {
  const read = (p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { hosts: read('/etc/hosts'), resolvConf: read('/etc/resolv.conf') };
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}
