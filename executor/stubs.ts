/**
 * Mount stubs: a runtime creates every missing mount destination in the
 * rootfs (/proc, /etc/hosts, a bind's target...). Those empty files and
 * directories would end up in a RUN step's diff, so kiln notes what was
 * missing before the run and removes what is still an empty stub after it,
 * as BuildKit does. All paths are resolved inside the rootfs, synchronously
 * (see rootfs-path.ts for why).
 */
import { lstatSync, rmdirSync, unlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { resolveInRootSync } from './rootfs-path.js';

/**
 * For each destination (in mount order), the destination and its parents
 * that do not exist in the rootfs yet (container paths), deepest first.
 * A destination below an earlier one is skipped: its stub is made in that
 * mount (the /dev tmpfs, sysfs...), not in the rootfs.
 */
export async function missingPaths(rootfs: string, destinations: readonly string[]): Promise<string[]> {
  const clean = destinations.map((d) => posix.normalize(d));
  const top = clean.filter((d, i) => !clean.slice(0, i).some((earlier) => d.startsWith(earlier === '/' ? '/' : `${earlier}/`)));
  const chains = top.map((d) => missingChain(rootfs, d));
  return [...new Set(chains.flat())].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : a > b ? 1 : 0));
}

function depth(p: string): number {
  return p.split('/').length;
}

/**
 * Removes each path that is still an empty directory or an empty regular
 * file, deepest first; anything the container filled or replaced stays.
 */
export async function removeStubs(rootfs: string, stubs: readonly string[]): Promise<void> {
  for (const p of [...stubs].sort((a, b) => depth(b) - depth(a))) removeStub(rootfs, p);
}

function removeStub(rootfs: string, path: string): void {
  const host = resolveInRootSync(rootfs, path, { followLast: false });
  const st = lstatIfAny(host);
  if (st === undefined) return;
  if (st.isDirectory()) {
    try {
      rmdirSync(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EBUSY') throw err;
    }
  } else if (st.isFile() && st.size === 0) {
    unlinkSync(host);
  }
}

function missingChain(rootfs: string, dest: string): string[] {
  const chain: string[] = [];
  for (let p = dest; p !== '/' && p !== '.'; p = posix.dirname(p)) {
    if (lstatIfAny(resolveInRootSync(rootfs, p)) !== undefined) break;
    chain.push(p);
  }
  return chain;
}

/** lstat, or undefined when nothing is there (also when a parent is not a directory). */
function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
