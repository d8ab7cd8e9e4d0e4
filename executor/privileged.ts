/**
 * `--privileged` (docker run's): the container gets every capability kiln
 * itself holds, no seccomp filter, no masked or read-only /proc paths, the
 * host's devices (as nodes in its /dev and allowed by the device cgroup), and
 * writable /sys and cgroupfs, so that mounting and an OCI runtime (kiln
 * itself) work inside. What the spec cannot do is refused up front by
 * {@link checkPrivileged}. moby's daemon/oci_linux.go does the same for a
 * privileged container; the host's devices are read like runc's
 * libcontainer/devices (everything under /dev but pts, shm, mqueue, fd and
 * the console).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FailedPreconditionError } from '../util/errors.js';
import { ALL_CAPABILITIES, normalizeCapability } from './capabilities.js';
import type { OciDevice, OciSpec } from './oci.js';
import type { RunSpec } from './types.js';

/** What the host grants: kiln's own bounding set, and the devices under /dev. */
export interface PrivilegedHost {
  readonly capabilities: readonly string[];
  readonly devices: readonly OciDevice[];
}

/** `config` made privileged; `capDrop` (`--cap-drop`) still applies, as in Docker. */
export function privilegedSpec(config: OciSpec, host: PrivilegedHost, capDrop: readonly string[] = []): OciSpec {
  const drops = capDrop.map((c) => normalizeCapability(c, '--cap-drop'));
  const caps = ALL_CAPABILITIES.filter((c) => host.capabilities.includes(c) && !drops.includes(c) && !drops.includes('ALL'));
  const root = config.process.capabilities.effective !== undefined;
  const { seccomp: _filter, ...linux } = config.linux;
  return {
    ...config,
    process: { ...config.process, capabilities: root ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps } },
    mounts: config.mounts.map((m) => (m.type === 'sysfs' || m.type === 'cgroup' ? { ...m, options: (m.options ?? []).filter((o) => o !== 'ro').concat('rw') } : m)),
    linux: {
      ...linux,
      devices: host.devices,
      resources: { ...config.linux.resources, devices: [{ allow: true, access: 'rwm' }] },
      maskedPaths: [],
      readonlyPaths: [],
    },
  };
}

/** Refuses `--privileged` where kiln cannot grant it: it must run as root holding CAP_SYS_ADMIN. */
export function checkPrivileged(host: PrivilegedHost, euid: number): void {
  if (euid !== 0) throw new FailedPreconditionError(`--privileged needs kiln to run as root (it runs as uid ${euid})`);
  if (!host.capabilities.includes('CAP_SYS_ADMIN')) throw new FailedPreconditionError('--privileged cannot be granted: kiln itself lacks CAP_SYS_ADMIN (is it in a container without it?)');
}

/** kiln's own bounding set, by name (from /proc/self/status). */
export function hostCapabilities(status = readFileSync('/proc/self/status', 'utf8')): string[] {
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const mask = BigInt(`0x${hex}`);
  return ALL_CAPABILITIES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
}

const SKIP = new Set(['pts', 'shm', 'mqueue', 'fd', 'console', '.lxc', '.lxd-mounts', '.udev']);

/** The character and block devices under `dir` (recursively), as OCI device entries. */
export function hostDevices(dir = '/dev', under = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (dir === '/dev' && SKIP.has(name)) continue;
    const path = join(dir, name);
    let st;
    try {
      st = lstatSync(path, { bigint: true });
    } catch {
      continue; // gone since the listing
    }
    if (st.isDirectory()) out.push(...hostDevices(path, join(under, name)));
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const rdev = st.rdev;
      // glibc's gnu_dev_major/minor.
      const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
      const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
      out.push({ path: join(under, name), type: st.isCharacterDevice() ? 'c' : 'b', major, minor, fileMode: Number(st.mode & 0o777n), uid: Number(st.uid), gid: Number(st.gid) });
    }
  }
  return out;
}

/** `config` as `spec` asks: privileged when it says so (checked against this host), else unchanged. */
export function withPrivileges(spec: RunSpec, config: OciSpec): OciSpec {
  if (spec.privileged !== true) return config;
  const host = { capabilities: hostCapabilities(), devices: hostDevices() };
  checkPrivileged(host, process.geteuid?.() ?? 0);
  return privilegedSpec(config, host, spec.capDrop ?? []);
}
