/**
 * Extended attributes through the `attr` tools (Node has no xattr API):
 * one `getfattr -R` per tree when diffing, one `setfattr` per attribute when
 * applying (layers rarely carry any).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UnavailableError } from '../../util/errors.js';

const run = promisify(execFile);

/** Attributes by path relative to the tree root ('' is the root itself). */
export type XattrMap = ReadonlyMap<string, ReadonlyMap<string, Buffer>>;

/**
 * Reads the attributes whose names match `pattern` (a getfattr `-m` regex) for
 * every entry under `root`, without following symlinks.
 */
export async function readXattrs(root: string, pattern: string): Promise<XattrMap> {
  const args = ['-R', '-P', '-h', '-d', '-m', pattern, '-e', 'hex', '--absolute-names', '--', root];
  let stdout: Buffer;
  try {
    ({ stdout } = await run('getfattr', args, { encoding: 'buffer', maxBuffer: 256 << 20 }));
  } catch (err) {
    throw toolError('getfattr', root, err);
  }
  return parseDump(stdout.toString('latin1'), root);
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
