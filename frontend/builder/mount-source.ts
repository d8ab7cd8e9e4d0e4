/**
 * Host paths for `RUN --mount=type=bind` sources. The source is resolved
 * inside its own root (the context dir, or a stage's or image's rootfs view)
 * by the one root-confined resolver, the way BuildKit resolves a mount's
 * selector inside its source: a symlink anywhere on the way, the last
 * component included, absolute or relative, stays in that root. So
 * `s -> /etc/shadow` in the context names `<context>/etc/shadow`, never the
 * host's file, and the path handed to the runtime (which follows links in a
 * bind source) holds no link left to follow.
 * See https://docs.docker.com/reference/dockerfile/#run---mounttypebind
 */
import { chmod, chown, copyFile, lstat, mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInRoot } from '../../executor/index.js';
import type { SourceRef } from '../plan/index.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import type { Worker } from './worker.js';
import { mountDir, type MountedDir } from './views.js';

/** The host path of bind source `sub` inside `base`, which `from` names (for messages). */
export async function mountSource(base: string, sub: string, from: SourceRef): Promise<string> {
  const what = `mount source ${JSON.stringify(sub)}`;
  let host: string;
  try {
    host = await resolveInRoot(base, sub);
  } catch (err) {
    // The resolver's message names the host dir (a temp mount for a stage); say it in the user's terms.
    if (err instanceof FailedPreconditionError) throw new FailedPreconditionError(`${what} ${where(from)}: too many levels of symbolic links`, { cause: err });
    throw err;
  }
  const st = await lstat(host).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new NotFoundError(`${what}: not found ${where(from)}`, { cause: err });
    throw err;
  });
  // Only a tree changing under the resolver leaves a link here; the runtime would follow it out of the root.
  if (st.isSymbolicLink()) throw new FailedPreconditionError(`${what} ${where(from)} changed while it was resolved`);
  return host;
}

function where(from: SourceRef): string {
  switch (from.kind) {
    case 'context':
      return 'in the build context';
    case 'stage':
      return `in stage ${from.index}`;
    case 'image':
      return `in image ${from.ref}`;
    case 'scratch':
      return 'in an empty source';
    default: {
      const never: never = from;
      throw new Error(`internal: unknown mount source ${JSON.stringify(never)}`);
    }
  }
}

/**
 * `RUN --mount=type=bind,rw`: a writable version of source `sub`, resolved to `host`,
 * whose writes are discarded after the step (BuildKit's semantics). A
 * directory is seen through an overlay with its upper dir in `scratch`; a
 * file gets a private copy there (overlayfs layers are directories).
 *
 * The overlay's lower dir is a read-only bind of `host` on a fixed name, not
 * `host` itself: overlayfs splits `lowerdir=` at `:` and the mount options at
 * `,`, so a source path holding them (`source=a:/etc`, a context dir named
 * so) would add host dirs as layers. The read-only bind also keeps a failed
 * unmount from letting the scratch dir's removal reach the source.
 */
export async function writableSource(env: Pick<Worker, 'mounter' | 'tmpDir'>, host: string, sub: string, scratch: string, held: MountedDir[]): Promise<string> {
  const st = await lstat(host);
  const dir = await mkdtemp(join(scratch, 'rw-'));
  if (st.isFile()) {
    const copy = join(dir, 'file');
    await copyFile(host, copy);
    await chown(copy, st.uid, st.gid);
    await chmod(copy, st.mode & 0o7777); // after chown, which clears set-id bits
    return copy;
  }
  if (!st.isDirectory()) throw new InvalidArgumentError(`mount source ${JSON.stringify(sub)}: a writable bind needs a directory or a regular file`);
  await Promise.all(['lower', 'upper', 'work'].map((d) => mkdir(join(dir, d))));
  const lower = join(dir, 'lower');
  await env.mounter.mountAll([{ type: 'bind', source: host, options: ['bind', 'ro'] }], lower);
  held.push({ path: lower, release: () => env.mounter.unmount(lower) });
  const merged = await mountDir(env, [{ type: 'overlay', source: dir, options: ['lowerdir=lower', 'upperdir=upper', 'workdir=work'] }]);
  held.push(merged);
  return merged.path;
}
