/**
 * `ADD --unpack=true URL`: a downloaded tar archive (plain, gzip, bzip2, xz or
 * zstd) is extracted into the destination directory like a local one; a file
 * that is not an archive is added as it is (BuildKit's AttemptUnpack).
 * See https://docs.docker.com/reference/dockerfile/#add---unpack
 */
import { archiveCompression, extractArchive } from './archive.js';
import { mkdirAllInRoot } from './dest.js';
import type { Owner } from './owner.js';

/** Extracts host file `file` into `destPath` of the rootfs when it is an archive; false when it is not one. */
export async function unpackDownloaded(file: string, rootfs: string, destPath: string, owner: Owner | undefined, signal?: AbortSignal): Promise<boolean> {
  const compression = await archiveCompression(file);
  if (compression === undefined) return false;
  const dir = await mkdirAllInRoot(rootfs, destPath, owner);
  await extractArchive(file, compression, dir, { owner, signal }); // --chown owns every entry, as for a local archive
  return true;
}
