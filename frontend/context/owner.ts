/**
 * `--chown` and `--chmod` of COPY/ADD.
 * https://docs.docker.com/reference/dockerfile/#copy---chown---chmod
 *
 * `--chown` names are looked up in the destination rootfs's /etc/passwd and
 * /etc/group, as BuildKit's file op does: `user` alone takes the user's
 * primary group, a numeric uid alone is also the gid. `--chmod` is octal or
 * symbolic (`u+x,go-w`, `a=rX`), applied to every copied file and
 * directory; a symbolic mode is relative to each source's own mode.
 */
import { readUserFiles, resolveUserFrom, type UserFiles } from '../../util/user.js';
import { InvalidArgumentError } from '../../util/errors.js';

/** A uid/gid pair. */
export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** Maps a source's permission bits (and whether it is a directory) to the copy's. */
export type ModeFn = (sourceMode: number, isDir: boolean) => number;

/** Resolves a `--chown` value against the rootfs at `rootfs`. */
export async function resolveChown(rootfs: string, chown: string): Promise<Owner> {
  const [user = '', group, ...extra] = chown.split(':');
  if (user === '' || extra.length > 0 || group === '') throw new InvalidArgumentError(`invalid --chown ${JSON.stringify(chown)}: expected user, user:group, uid or uid:gid`);
  const numeric = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);
  const uidArg = numeric(user);
  const gidArg = group === undefined ? undefined : numeric(group);
  const needsFiles = uidArg === undefined || (group !== undefined && gidArg === undefined);
  const files: UserFiles = needsFiles ? await readUserFiles(rootfs) : { passwd: undefined, group: undefined };
  const byUser = uidArg === undefined ? resolveUserFrom(user, files) : { uid: uidArg, gid: uidArg };
  if (group === undefined) return { uid: byUser.uid, gid: byUser.gid };
  const gid = gidArg ?? resolveUserFrom(`0:${group}`, files).gid;
  return { uid: byUser.uid, gid };
}

/** Parses a `--chmod` value; throws InvalidArgumentError naming it when malformed. */
export function parseChmod(chmod: string): ModeFn {
  if (/^[0-7]{1,4}$/.test(chmod)) {
    const mode = parseInt(chmod, 8);
    return () => mode;
  }
  const clauses = chmod.split(',').map((c) => parseClause(c, chmod));
  return (sourceMode, isDir) => clauses.reduce((mode, apply) => apply(mode, isDir), sourceMode & 0o7777);
}

type Clause = (mode: number, isDir: boolean) => number;

const WHO_BITS: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** One `[ugoa]*[+-=][rwxXst]*` clause (several operators may follow one another). */
function parseClause(clause: string, whole: string): Clause {
  const m = /^([ugoa]*)((?:[-+=][rwxXst]*)+)$/.exec(clause);
  if (m === null) throw new InvalidArgumentError(`invalid --chmod ${JSON.stringify(whole)}: expected an octal mode or symbolic clauses like u+x,go-w`);
  const who = m[1] === '' ? 'a' : (m[1] ?? 'a');
  const mask = [...who].reduce((acc, w) => acc | (WHO_BITS[w] ?? 0), 0);
  const ops = [...(m[2] ?? '').matchAll(/([-+=])([rwxXst]*)/g)].map((o) => ({ op: o[1] ?? '+', perms: o[2] ?? '' }));
  return (mode, isDir) => {
    let out = mode;
    for (const { op, perms } of ops) {
      const bits = permBits(perms, out, isDir) & mask;
      if (op === '+') out |= bits;
      else if (op === '-') out &= ~bits;
      else out = (out & ~mask) | bits;
    }
    return out & 0o7777;
  };
}

/** The mode bits (for every class) that a permission string names. */
function permBits(perms: string, mode: number, isDir: boolean): number {
  let bits = 0;
  for (const p of perms) {
    if (p === 'r') bits |= 0o444;
    else if (p === 'w') bits |= 0o222;
    else if (p === 'x') bits |= 0o111;
    else if (p === 'X' && (isDir || (mode & 0o111) !== 0)) bits |= 0o111;
    else if (p === 's') bits |= 0o6000;
    else if (p === 't') bits |= 0o1000;
  }
  return bits;
}
