/**
 * Layer apply: extracts an uncompressed layer tar onto a directory, turning
 * OCI whiteouts into deletions, and hashes the tar while doing so.
 * https://github.com/opencontainers/image-spec/blob/main/layer.md#applying-changesets
 */
import { realpath, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestStream } from '../../util/digest.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { applyEntry, finishDirTimes, type ApplyContext } from './apply-entry.js';
import { readTar } from './tar-reader.js';
import { TargetTree } from './target-tree.js';
import type { ApplyOptions, LayerDigest } from './types.js';

const CHUNK = 1 << 20;

/**
 * Applies the layer tar read from `source` onto `target` and returns the tar's
 * diffID and size.
 *
 * `target` is an empty directory (a first layer) or the merged view of an
 * overlay mount over the layers below (the caller mounts it): a whiteout
 * `.wh.x` deletes `x` there, so the kernel records an overlay whiteout, and
 * `.wh..wh..opq` deletes every child of its directory that this layer did not
 * itself create.
 *
 * Nothing is written outside `target`: absolute names, `..` that escapes,
 * paths (or hardlink targets) through a symlink, and truncated or corrupt tars
 * are refused with an InvalidArgumentError naming the entry. Entries already
 * applied stay applied; the caller discards the snapshot. Needs root for
 * ownership, device nodes and `trusted.`/`security.` xattrs.
 */
export async function applyLayer(source: Readable, target: string, options: ApplyOptions = {}): Promise<LayerDigest> {
  const root = await realpath(target);
  if (!(await stat(root)).isDirectory()) throw new InvalidArgumentError(`layer target ${JSON.stringify(target)} is not a directory`);
  const digest = new DigestStream({ readableHighWaterMark: CHUNK, writableHighWaterMark: CHUNK });
  const { signal } = options;
  const piping = pipeline(source, digest, signal === undefined ? {} : { signal });
  piping.catch(() => {}); // its error also reaches the reader below, through `digest`
  const ctx: ApplyContext = { tree: new TargetTree(root), dirTimes: new Map() };
  try {
    for await (const entry of readTar(digest)) {
      signal?.throwIfAborted();
      await applyEntry(ctx, entry);
    }
    finishDirTimes(ctx);
    await piping;
  } catch (err) {
    digest.destroy();
    throw err;
  }
  return { diffID: digest.digest, size: digest.size };
}
