/**
 * Docker's user resolution (runc's libcontainer/user.GetExecUser, which
 * Docker and BuildKit use): `name`, `uid`, `name:group`, `uid:gid`,
 * `uid:group`, `name:gid` against the rootfs's /etc/passwd and /etc/group.
 * Numeric ids need not exist; supplementary groups come from /etc/group
 * membership, and only when no group is given.
 * https://docs.docker.com/reference/dockerfile/#user
 *
 * The one reader of a rootfs's account files: the executor (RUN, `kiln run`),
 * COPY --chown and WORKDIR's owner all resolve users here.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from './errors.js';
import { resolveInRootSync } from './root-path.js';

/** The process identity for the OCI spec's `process.user`, plus HOME. */
export interface ResolvedUser {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary group ids (`additionalGids`). */
  readonly additionalGids: readonly number[];
  /** The home directory from /etc/passwd, or `/`. */
  readonly home: string;
}

/** The texts of the rootfs's /etc/passwd and /etc/group; undefined when a file is missing. */
export interface UserFiles {
  readonly passwd: string | undefined;
  readonly group: string | undefined;
}

interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

/** uids and gids must be in range 0-2147483647 (runc's minID/maxID). */
const MAX_ID = 2 ** 31 - 1;
/** Larger account files are refused rather than read whole. */
const MAX_FILE_BYTES = 16 << 20;

/** Parses /etc/passwd (`name:password:uid:gid:gecos:home:shell`). */
export function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', uid: toInt(f[2]), gid: toInt(f[3]), home: f[5] ?? '' }));
}

/** Parses /etc/group (`name:password:gid:member,member`). */
export function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((f) => ({
    name: f[0] ?? '',
    gid: toInt(f[2]),
    members: (f[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== ''),
  }));
}

/**
 * Resolves a Docker-style `user` (default root) from the account files' texts.
 * Throws NotFoundError for a name that has no entry, e.g.
 * `unable to find user app: no matching entries in passwd file`.
 */
export function resolveUserFrom(user: string | undefined, files: UserFiles): ResolvedUser {
  const spec = user === undefined || user === '' ? '0' : user;
  const sep = spec.indexOf(':');
  const userArg = sep < 0 ? spec : spec.slice(0, sep);
  const groupArg = sep < 0 ? '' : spec.slice(sep + 1);
  if (userArg === '') throw new InvalidArgumentError(`invalid user ${JSON.stringify(spec)}: expected name, uid, name:group or uid:gid`);
  const uidArg = numeric(userArg);
  const entry = parsePasswd(files.passwd ?? '').find((u) => (uidArg === undefined ? u.name === userArg : u.uid === uidArg));
  if (entry === undefined && uidArg === undefined) {
    throw new NotFoundError(`unable to find user ${userArg}: no matching entries in passwd file`);
  }
  const uid = checkId(entry?.uid ?? uidArg ?? 0, spec);
  const home = entry?.home !== undefined && entry.home !== '' ? entry.home : '/';
  const groups = parseGroup(files.group ?? '');
  if (groupArg !== '') {
    return { uid, gid: explicitGroup(groupArg, groups, spec), additionalGids: [], home };
  }
  const additionalGids = entry === undefined ? [] : groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid);
  return { uid, gid: checkId(entry?.gid ?? 0, spec), additionalGids, home };
}

/**
 * Reads /etc/passwd and /etc/group from the rootfs at `rootfs` without
 * following symlinks out of it, then resolves `user` like
 * {@link resolveUserFrom}.
 */
export async function resolveUser(rootfs: string, user: string | undefined): Promise<ResolvedUser> {
  return resolveUserFrom(user, await readUserFiles(rootfs));
}

/** Reads the rootfs's account files (missing ones are undefined). */
export async function readUserFiles(rootfs: string): Promise<UserFiles> {
  return { passwd: readInRoot(rootfs, '/etc/passwd'), group: readInRoot(rootfs, '/etc/group') };
}

function explicitGroup(groupArg: string, groups: readonly GroupEntry[], spec: string): number {
  const gidArg = numeric(groupArg);
  const match = groups.find((g) => (gidArg === undefined ? g.name === groupArg : g.gid === gidArg));
  if (match !== undefined) return checkId(match.gid, spec);
  if (gidArg === undefined) throw new NotFoundError(`unable to find group ${groupArg}: no matching entries in group file`);
  return checkId(gidArg, spec);
}

/**
 * A regular file's text inside the rootfs, or undefined when it does not
 * exist. Synchronous like the path resolution (small local files).
 */
function readInRoot(rootfs: string, path: string): string | undefined {
  const hostPath = resolveInRootSync(rootfs, path);
  let fd: number;
  try {
    // O_NOFOLLOW: the path is resolved, so a symlink here was swapped in since; O_NONBLOCK: a FIFO must not hang us.
    fd = openSync(hostPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new FailedPreconditionError(`reading ${path} in the rootfs: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FailedPreconditionError(`${path} in the rootfs is not a regular file`);
    if (st.size > MAX_FILE_BYTES) throw new FailedPreconditionError(`${path} in the rootfs is larger than ${MAX_FILE_BYTES} bytes`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Non-empty, non-comment lines split into fields. */
function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** Like Go's strconv.Atoi as runc uses it for file fields: garbage reads as 0. */
function toInt(field: string | undefined): number {
  return numeric(field ?? '') ?? 0;
}

function numeric(s: string): number | undefined {
  return /^\d+$/.test(s) ? Number(s) : undefined;
}

function checkId(id: number, spec: string): number {
  if (!Number.isSafeInteger(id) || id > MAX_ID) {
    throw new InvalidArgumentError(`invalid user ${JSON.stringify(spec)}: uids and gids must be in range 0-${MAX_ID}`);
  }
  return id;
}
