/**
 * Filling a volume from the image, as docker does when a container first
 * mounts an empty volume: the image's content at the mount's path (files,
 * owners, modes, times, xattrs, symlinks as they are) is copied into the
 * volume, whose root takes the mode and owner of that directory. A volume
 * that holds anything is left as it is; `nocopy` skips the copy.
 * The image path is resolved inside the image's rootfs (util/root-path.ts):
 * a symlink in the image never leads the copy out of it.
 */
import { execFile } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { resolveInRoot } from '../../util/root-path.js';
import { FailedPreconditionError } from '../../util/errors.js';
import { ifExists } from '../../util/if-exists.js';

const run = promisify(execFile);

/** One volume to fill: its host directory and the path in the image. */
export interface VolumeFill {
  readonly data: string;
  readonly imagePath: string;
}

/** Copies each image path (under the mounted image `rootfs`) into its volume, when the volume is empty. */
export async function fillVolumes(rootfs: string, fills: readonly VolumeFill[]): Promise<void> {
  for (const f of fills) {
    if (((await ifExists(readdir(f.data))) ?? []).length > 0) continue;
    const source = await resolveInRoot(rootfs, f.imagePath);
    const st = await ifExists(lstat(source));
    if (st === undefined || !st.isDirectory()) continue;
    try {
      // `SRC/.`: the directory's content, and its own mode and owner onto the volume's root.
      await run('cp', ['-a', '--', `${source}/.`, f.data]);
    } catch (err) {
      const detail = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim();
      throw new FailedPreconditionError(`copying the image's ${f.imagePath} into its volume failed: ${detail}`, { cause: err });
    }
  }
}
