/**
 * Base images: a stage `FROM image` starts from the image's layers, unpacked
 * into snapshots keyed by chain ID (shared with `kiln run` and other builds).
 */
import type { CacheMap, Op, OpContext, Result } from '../../solver/index.js';
import { canonicalJson } from '../../solver/index.js';
import { unpackImage } from '../../store/index.js';
import { sha256 } from '../../util/digest.js';
import { whileWriting } from '../../util/no-space.js';
import { EMPTY_ROOTFS, StepResult } from './result.js';
import type { Worker } from './worker.js';

/** Unpacks image `ref` and yields its top layer snapshot. */
export class ImageSourceOp implements Op {
  readonly #worker: Worker;
  readonly #ref: string;

  constructor(worker: Worker, ref: string) {
    this.#worker = worker;
    this.#ref = ref;
  }

  async cacheMap(): Promise<CacheMap> {
    const image = await this.#worker.images.get(this.#ref);
    // The manifest digest pins the content: a re-tagged name is a different source.
    return { digest: sha256(canonicalJson({ op: 'image', manifest: image.manifest.digest })), deps: [] };
  }

  async exec(ctx: OpContext): Promise<Result[]> {
    const w = this.#worker;
    const image = await w.images.get(this.#ref);
    const top = await whileWriting(w.layout.root, `unpacking ${this.#ref}`, () => unpackImage(w.images, w.snapshotter, image, { mounter: w.mounter, tmpDir: w.tmpDir, signal: ctx.signal }));
    // A base image's snapshot: its layers are the image's, not a step's.
    return [new StepResult({ snapshot: top })];
  }
}

/** The empty rootfs of `FROM scratch`. */
export class ScratchOp implements Op {
  async cacheMap(): Promise<CacheMap> {
    return { digest: sha256('scratch'), deps: [] };
  }
  async exec(): Promise<Result[]> {
    return [EMPTY_ROOTFS];
  }
}
