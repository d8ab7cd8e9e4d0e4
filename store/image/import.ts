/**
 * `kiln import`: a rootfs tarball (plain or gzip) becomes a one-layer image,
 * like `docker import`. The layer is stored uncompressed; its digest is its diffID.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestStream } from '../../util/digest.js';
import { MediaType, type ImageConfig } from '../../oci/index.js';
import type { ImageRecord, ImageStore } from './store.js';
import { maybeGunzip, tarCheckStream } from './streams.js';
import { hostPlatform } from '../../oci/index.js';
import { createdNow, writeImage } from './write.js';

export interface ImportOptions {
  /** Name to give the image (none: an unnamed image). */
  readonly name?: string;
  /** Shown in history as `Imported from SOURCE`. */
  readonly sourceLabel: string;
  readonly signal?: AbortSignal;
}

/** Imports `source` and returns the new image. Nothing is tagged unless the whole tar is valid. */
export async function importRootfs(store: ImageStore, source: Readable, options: ImportOptions): Promise<ImageRecord> {
  const label = options.sourceLabel;
  const plain = await maybeGunzip(source, label);
  const check = tarCheckStream(label);
  const hash = new DigestStream();
  const writer = await store.content.writer(options.signal === undefined ? {} : { signal: options.signal });
  try {
    await pipeline(plain, check, hash, async (chunks: AsyncIterable<Buffer>) => {
      for await (const c of chunks) await writer.write(c);
    }, options.signal === undefined ? {} : { signal: options.signal });
  } catch (err) {
    await writer.abort();
    throw err;
  }
  const layer = await writer.commit({ digest: hash.digest, size: hash.size });
  const created = createdNow();
  const config: ImageConfig = {
    created,
    ...hostPlatform(),
    config: {},
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created, comment: `Imported from ${label}` }],
  };
  const manifest = await writeImage(store.content, config, [{ mediaType: MediaType.layer, digest: layer.digest, size: layer.size }]);
  await store.put(manifest, options.name === undefined ? [] : [options.name]);
  return store.get(manifest.digest);
}
