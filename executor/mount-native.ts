/**
 * The mount data of executor/mount.ts carried out with mount(2) and
 * umount2(2) directly (util/linux-syscalls.ts), with no mount(8) process.
 * Same convention as mount(8): relative overlay paths are relative to the
 * mount's `source`; here they are made absolute, since a system call made on
 * one thread must not change the working directory every thread shares. When
 * the absolute options no longer fit in one page, the overlay is built with
 * the new mount API instead (one `lowerdir+` per layer: no page limit).
 */
import { isAbsolute, resolve } from 'node:path';
import type { Mount } from '../oci/index.js';
import { FailedPreconditionError, UnavailableError } from '../util/errors.js';
import {
  MNT_DETACH,
  MS_BIND,
  MS_NOATIME,
  MS_NODEV,
  MS_NODIRATIME,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_RELATIME,
  MS_REMOUNT,
  MS_SLAVE,
  MS_STRICTATIME,
  SyscallError,
  type LinuxSyscalls,
} from '../util/linux-syscalls.js';

const MAX_DATA_BYTES = 4095;

/** mount(8) option words that are mount(2) flags; `clear` flags are turned off by the word. */
const FLAGS: Readonly<Record<string, { readonly set: number; readonly clear?: number }>> = {
  ro: { set: MS_RDONLY },
  rw: { set: 0, clear: MS_RDONLY },
  nosuid: { set: MS_NOSUID },
  suid: { set: 0, clear: MS_NOSUID },
  nodev: { set: MS_NODEV },
  dev: { set: 0, clear: MS_NODEV },
  noexec: { set: MS_NOEXEC },
  exec: { set: 0, clear: MS_NOEXEC },
  noatime: { set: MS_NOATIME },
  nodiratime: { set: MS_NODIRATIME },
  relatime: { set: MS_RELATIME },
  strictatime: { set: MS_STRICTATIME },
  bind: { set: MS_BIND },
  rbind: { set: MS_BIND | MS_REC },
  private: { set: MS_PRIVATE },
  rprivate: { set: MS_PRIVATE | MS_REC },
  slave: { set: MS_SLAVE },
  rslave: { set: MS_SLAVE | MS_REC },
  defaults: { set: 0 },
};

/** mount(2)'s flags and data string for mount(8)-style options. */
export function splitOptions(options: readonly string[]): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = FLAGS[o];
    if (f === undefined) data.push(o);
    else flags = (flags | f.set) & ~(f.clear ?? 0);
  }
  return { flags, data: data.join(',') };
}

/** An overlay's options with every layer path made absolute against `base` (`\:` escapes kept). */
export function absoluteOverlayOptions(options: readonly string[], base: string | undefined): { lower: string[]; upper?: string; work?: string; other: string[] } {
  const abs = (p: string): string => (base === undefined || isAbsolute(p) ? p : resolve(base, p));
  const out: { lower: string[]; upper?: string; work?: string; other: string[] } = { lower: [], other: [] };
  for (const o of options) {
    const eq = o.indexOf('=');
    const [name, value] = eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
    if (name === 'lowerdir') out.lower.push(...value.split(/(?<!\\):/).map((d) => abs(d.replace(/\\:/g, ':'))));
    else if (name === 'upperdir') out.upper = abs(value);
    else if (name === 'workdir') out.work = abs(value);
    else out.other.push(o);
  }
  return out;
}

/** Mounts one Mount on the absolute `target` through system calls. */
export function mountNative(sys: LinuxSyscalls, m: Mount, target: string): void {
  try {
    switch (m.type) {
      case 'bind': {
        const { flags } = splitOptions(m.options);
        const rec = m.options.includes('rbind') ? MS_REC : 0;
        sys.mount(resolve(m.source), target, null, MS_BIND | rec, null);
        // A bind ignores every flag but MS_REC; ro/nosuid/… take a remount of the new mount.
        const extra = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        if (extra !== 0) sys.mount(null, target, null, MS_REMOUNT | MS_BIND | extra, null);
        return;
      }
      case 'overlay':
        return mountOverlay(sys, m, target);
      default: {
        const { flags, data } = splitOptions(m.options);
        sys.mount(m.source, target, m.type, flags, data === '' ? null : data);
      }
    }
  } catch (err) {
    throw asKilnError(err);
  }
}

function mountOverlay(sys: LinuxSyscalls, m: Mount, target: string): void {
  const base = isAbsolute(m.source) ? m.source : undefined;
  const o = absoluteOverlayOptions(m.options, base);
  const escape = (p: string): string => p.replace(/:/g, '\\:');
  const parts = [...(o.upper === undefined ? [] : [`upperdir=${o.upper}`]), ...(o.work === undefined ? [] : [`workdir=${o.work}`])];
  parts.push(`lowerdir=${o.lower.map(escape).join(':')}`, ...o.other);
  const data = parts.join(',');
  const { flags, data: rest } = splitOptions(o.other);
  if (Buffer.byteLength(data) <= MAX_DATA_BYTES) {
    const kept = parts.slice(0, parts.length - o.other.length);
    sys.mount('overlay', target, 'overlay', flags, [...kept, ...(rest === '' ? [] : [rest])].join(','));
    return;
  }
  sys.mountOverlay({ lower: o.lower, ...(o.upper === undefined ? {} : { upper: o.upper }), ...(o.work === undefined ? {} : { work: o.work }), options: rest === '' ? [] : rest.split(',') }, target);
}

/** One umount2(2) of `target` (absolute); `detach` is a lazy unmount. */
export function unmountNative(sys: LinuxSyscalls, target: string, detach: boolean): void {
  try {
    sys.umount2(target, detach ? MNT_DETACH : 0);
  } catch (err) {
    throw asKilnError(err);
  }
}

function asKilnError(err: unknown): Error {
  if (!(err instanceof SyscallError)) return err as Error;
  if (err.errno === 'ENOSYS') return new UnavailableError(err.message, { cause: err });
  return new FailedPreconditionError(err.message, { cause: err });
}
