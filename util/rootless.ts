/**
 * Whether this kiln process is the rootless one: an ordinary user's kiln
 * re-executed inside its own user and mount namespace (cli/rootless.ts), where
 * it is uid 0 over the ids the namespace maps. Code that behaves differently
 * there asks {@link rootless}; everything else sees an ordinary root.
 *
 * The parent passes what it set up in `KILN_ROOTLESS` (JSON); the value is
 * trusted only when this process really is in a user namespace other than the
 * initial one (its uid_map is not the identity of all 2^32 ids), so a root
 * kiln with the variable set stays a root kiln.
 */
import { readFileSync } from 'node:fs';

/** The user namespace a rootless kiln runs in. */
export interface RootlessInfo {
  /** The host user kiln runs for. */
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  /** `range`: container 0..65535 onto the user and its subordinate ids; `self`: only the user, as 0. */
  readonly mapping: 'range' | 'self';
}

export const ROOTLESS_ENV = 'KILN_ROOTLESS';

let cached: RootlessInfo | null | undefined;

/** The namespace this process runs in when rootless, else undefined. */
export function rootless(): RootlessInfo | undefined {
  cached ??= parse(process.env[ROOTLESS_ENV]) ?? null;
  return cached ?? undefined;
}

function parse(value: string | undefined): RootlessInfo | undefined {
  if (value === undefined || value === '' || !inUserNamespace()) return undefined;
  try {
    const v = JSON.parse(value) as Partial<RootlessInfo>;
    if (typeof v.uid !== 'number' || typeof v.gid !== 'number' || typeof v.user !== 'string') return undefined;
    return { uid: v.uid, gid: v.gid, user: v.user, mapping: v.mapping === 'range' ? 'range' : 'self' };
  } catch {
    return undefined;
  }
}

/** Whether this process's user namespace is not the initial one. */
export function inUserNamespace(uidMap = readUidMap()): boolean {
  const lines = uidMap.trim().split('\n');
  const fields = (lines[0] ?? '').trim().split(/\s+/);
  return !(lines.length === 1 && fields[0] === '0' && fields[1] === '0' && fields[2] === '4294967295');
}

function readUidMap(): string {
  try {
    return readFileSync('/proc/self/uid_map', 'utf8');
  } catch {
    return '0 0 4294967295'; // no /proc: treat as the initial namespace
  }
}
