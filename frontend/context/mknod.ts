/**
 * Device nodes and fifos for COPY and ADD. Node cannot mknod(2), so the
 * coreutils command does; such entries are rare in build inputs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UnavailableError } from '../../util/errors.js';

const run = promisify(execFile);

/** The kinds of node {@link makeNode} creates. */
export type NodeKind = 'fifo' | 'char' | 'block';

/** Creates node `path` (mode 0600; the caller sets owner and mode). */
export async function makeNode(path: string, kind: NodeKind, major: number, minor: number): Promise<void> {
  const spec = kind === 'fifo' ? ['p'] : [kind === 'char' ? 'c' : 'b', String(major), String(minor)];
  try {
    await run('mknod', ['-m', '0600', '--', path, ...spec]);
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new UnavailableError(`creating ${kind} node ${path} failed: ${stderr || String(err)}`, { cause: err });
  }
}

/** Linux's major and minor numbers of a `st_rdev`. */
export function splitRdev(rdev: number): { major: number; minor: number } {
  const hi = Math.floor(rdev / 2 ** 32);
  const lo = rdev >>> 0;
  return { major: ((lo >>> 8) & 0xfff) | ((hi & 0xfffff000) >>> 0), minor: (lo & 0xff) | ((lo >>> 12) & 0xfff00) };
}
