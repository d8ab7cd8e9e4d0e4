/** Disk usage of one directory tree, as the snapshotters report it. */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Usage } from './types.js';

/**
 * Walks `root` without following symlinks: `size` is the bytes of regular
 * files, `inodes` the distinct files, dirs, links and devices below `root`
 * (not `root` itself). Hard links count once.
 */
export async function diskUsage(root: string): Promise<Usage> {
  const seen = new Set<number>();
  let size = 0;
  const stack = [root];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const st = await lstat(path);
      if (entry.isDirectory()) stack.push(path);
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
      if (st.isFile()) size += st.size;
    }
  }
  return { size, inodes: seen.size };
}
