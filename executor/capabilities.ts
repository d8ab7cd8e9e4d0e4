/**
 * `--cap-add` / `--cap-drop` over Docker's default set, with Docker's rules
 * (moby's oci/caps): names are case-insensitive with or without `CAP_`,
 * `ALL` means every capability the kernel knows, drops apply before adds
 * except that adding a capability explicitly wins over dropping `ALL`.
 */
import { InvalidArgumentError } from '../util/errors.js';
import { DEFAULT_CAPABILITIES } from './spec-defaults.js';

/** Every capability of Linux 6.x (capability.h), in number order. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** `net_admin` → `CAP_NET_ADMIN`; `all` → `ALL`; unknown names are refused naming the flag. */
export function normalizeCapability(name: string, flag: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === 'ALL') return 'ALL';
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  if (!ALL_CAPABILITIES.includes(full)) throw new InvalidArgumentError(`${flag}: unknown capability ${JSON.stringify(name)}`);
  return full;
}

/** The capability set after `add` and `drop` (sorted like the kernel numbers them). */
export function tweakCapabilities(add: readonly string[], drop: readonly string[]): string[] {
  const adds = add.map((c) => normalizeCapability(c, '--cap-add'));
  const drops = drop.map((c) => normalizeCapability(c, '--cap-drop'));
  let caps = new Set<string>(DEFAULT_CAPABILITIES);
  if (drops.includes('ALL')) caps = new Set();
  else for (const c of drops) caps.delete(c);
  if (adds.includes('ALL')) caps = new Set(ALL_CAPABILITIES.filter((c) => !drops.includes(c)));
  else for (const c of adds) caps.add(c);
  return ALL_CAPABILITIES.filter((c) => caps.has(c));
}
