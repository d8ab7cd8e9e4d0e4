/**
 * Extended attributes (Node has no xattr API): llistxattr/lgetxattr/lsetxattr
 * system calls through util/linux-syscalls.ts, or, when those are unavailable
 * or `KILN_NATIVE=0`, the `attr` tools: one `getfattr -R` per tree when
 * diffing, one `setfattr` per attribute when applying (layers rarely carry
 * any). Both paths name the path and the reason when they fail.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { UnavailableError } from '../../util/errors.js';
import { linuxSyscalls, SyscallError, type LinuxSyscalls } from '../../util/linux-syscalls.js';

const run = promisify(execFile);

/** Attributes by path relative to the tree root ('' is the root itself). */
export type XattrMap = ReadonlyMap<string, ReadonlyMap<string, Buffer>>;

/**
 * Reads the attributes whose names match `pattern` (a getfattr `-m` regex) for
 * every entry under `root`, without following symlinks.
 */
export async function readXattrs(root: string, pattern: string): Promise<XattrMap> {
  const sys = linuxSyscalls();
  if (sys !== undefined) return readXattrsNative(sys, root, new RegExp(pattern));
  const args = ['-R', '-P', '-h', '-d', '-m', pattern, '-e', 'hex', '--absolute-names', '--', root];
  let stdout: Buffer;
  try {
    ({ stdout } = await run('getfattr', args, { encoding: 'buffer', maxBuffer: 256 << 20 }));
  } catch (err) {
    throw toolError('getfattr', root, err);
  }
  return parseDump(stdout.toString('latin1'), root);
}

/** The same walk as `getfattr -R -P`: the root and everything under it, symlinks not followed. */
async function readXattrsNative(sys: LinuxSyscalls, root: string, pattern: RegExp): Promise<XattrMap> {
  const out = new Map<string, Map<string, Buffer>>();
  const visit = (abs: string, rel: string): void => {
    let names: string[];
    try {
      names = sys.llistxattr(abs).filter((n) => pattern.test(n));
    } catch (err) {
      if (err instanceof SyscallError && err.errno === 'ENOTSUP') return; // a filesystem without xattrs has none
      throw nativeError(err);
    }
    if (names.length === 0) return;
    const attrs = new Map<string, Buffer>();
    for (const name of names) {
      let value: Buffer | undefined;
      try {
        value = sys.lgetxattr(abs, name);
      } catch (err) {
        throw nativeError(err);
      }
      if (value !== undefined) attrs.set(name, value);
    }
    out.set(rel, attrs);
  };
  const walk = async (abs: string, rel: string): Promise<void> => {
    const entries = await readdir(abs, { withFileTypes: true }).catch((err: unknown) => {
      throw new UnavailableError(`reading xattrs under ${JSON.stringify(abs)} failed: ${(err as Error).message}`, { cause: err });
    });
    for (const e of entries) {
      const childAbs = `${abs}/${e.name}`;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      visit(childAbs, childRel);
      if (e.isDirectory()) await walk(childAbs, childRel);
    }
  };
  visit(root, '');
  await walk(root, '');
  return out;
}

/** Parses `getfattr -d -e hex` output; names are octal-escaped bytes, values hex. */
export function parseDump(text: string, root: string): XattrMap {
  const out = new Map<string, Map<string, Buffer>>();
  let current: Map<string, Buffer> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      const path = unescapeName(line.slice('# file: '.length));
      const rel = path === root ? '' : path.startsWith(`${root}/`) ? path.slice(root.length + 1) : undefined;
      current = rel === undefined ? undefined : new Map();
      if (rel !== undefined && current !== undefined) out.set(rel, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) continue;
    const value = line.slice(eq + 1);
    current.set(line.slice(0, eq), value.startsWith('0x') ? Buffer.from(value.slice(2), 'hex') : Buffer.alloc(0));
  }
  return out;
}

/** getfattr writes non-printable bytes and backslashes as `\ooo`; the rest are raw bytes. */
function unescapeName(latin1: string): string {
  const raw = latin1.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return Buffer.from(raw, 'latin1').toString('utf8');
}

/** Sets one attribute on `path` itself (a symlink is not followed). */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  const sys = linuxSyscalls();
  if (sys !== undefined) {
    try {
      return sys.lsetxattr(path, name, value);
    } catch (err) {
      throw nativeError(err);
    }
  }
  try {
    await run('setfattr', ['-h', '-n', name, '-v', `0x${value.toString('hex')}`, '--', path]);
  } catch (err) {
    throw toolError('setfattr', path, err);
  }
}

function toolError(tool: string, path: string, err: unknown): UnavailableError {
  const e = err as { code?: unknown; stderr?: Buffer | string };
  if (e.code === 'ENOENT') return new UnavailableError(`${tool} not found: install the attr package`, { cause: err });
  const stderr = String(e.stderr ?? '').trim();
  return new UnavailableError(`${tool} failed on ${JSON.stringify(path)}: ${stderr || String(err)}`, { cause: err });
}

/** A failed xattr call as the tool path reports it: UnavailableError, naming the path and the errno. */
function nativeError(err: unknown): Error {
  return err instanceof SyscallError ? new UnavailableError(err.message, { cause: err }) : (err as Error);
}
