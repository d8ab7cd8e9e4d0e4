/**
 * Base images: a stage `FROM image` starts from the image's layers, unpacked
 * into snapshots keyed by chain ID (shared with `kiln run` and other builds).
 */
import type { CacheMap, Op, OpContext, Result } from '../../solver/index.js';
import { canonicalJson } from '../../solver/index.js';
import { unpackImage } from '../../store/index.js';
import { sha256 } from '../../util/digest.js';
import { whileWriting } from '../../util/no-space.js';
import { SnapshotResult, type BuildEnv } from './env.js';

/** Unpacks image `ref` and yields its top layer snapshot. */
export class ImageSourceOp implements Op {
  readonly #env: BuildEnv;
  readonly #ref: string;

  constructor(env: BuildEnv, ref: string) {
    this.#env = env;
    this.#ref = ref;
  }

  async cacheMap(): Promise<CacheMap> {
    const image = await this.#env.images.get(this.#ref);
    // The manifest digest pins the content: a re-tagged name is a different source.
    return { digest: sha256(canonicalJson({ op: 'image', manifest: image.manifest.digest })), deps: [] };
  }

  async exec(ctx: OpContext): Promise<Result[]> {
    const env = this.#env;
    const image = await env.images.get(this.#ref);
    const top = await whileWriting(env.layout.root, `unpacking ${this.#ref}`, () => unpackImage(env.images, env.snapshotter, image, { mounter: env.mounter, tmpDir: env.tmpDir, signal: ctx.signal }));
    return [new SnapshotResult(top ?? '')];
  }
}

/** The empty rootfs of `FROM scratch`. */
export class ScratchOp implements Op {
  async cacheMap(): Promise<CacheMap> {
    return { digest: sha256('scratch'), deps: [] };
  }
  async exec(): Promise<Result[]> {
    return [new SnapshotResult('')];
  }
}
