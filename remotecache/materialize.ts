/**
 * Import side: a {@link CacheConfig} → local step snapshots and cache
 * records, so the solver finds the steps CACHED. Each step snapshot is its
 * layer applied onto its parent (as store/image/unpack.ts unpacks images),
 * committed under a key derived from its parent, layer and time, so importing
 * twice, or two kilns importing at once, reuse one snapshot. Records whose
 * base image is not in the local store are skipped: those steps just run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ContentStore } from '../cache/index.js';
import { isCommitted, ownedLabels, type Mount, type Snapshotter } from '../cache/index.js';
import { applyLayer } from '../store/index.js';
import { chainIDs, unpackImage, type ImageStore, type Mounter } from '../store/index.js';
import { digestHex, sha256, type Digest } from '../util/digest.js';
import { AlreadyExistsError, FailedPreconditionError, findError } from '../util/errors.js';
import type { CacheConfig, CacheStep, SnapshotRef } from './format.js';
import type { StepIndex } from './records.js';
import type { CacheKey } from '../solver/index.js';
import { stepKeyFrom, stepLabels } from '../cache/index.js';

/** What the importer writes to. */
export interface MaterializeTarget {
  readonly snapshotter: Snapshotter;
  readonly content: ContentStore;
  readonly images: ImageStore;
  readonly mounter: Mounter;
  /** Where temporary mount points go. */
  readonly tmpDir: string;
  /** The local cache index the solver reads. */
  readonly index: StepIndex;
}

/** What an import did. */
export interface ImportSummary {
  /** Records added to the local index. */
  readonly imported: number;
  /** Records the local index had already (with their snapshots). */
  readonly present: number;
  /** Records skipped because their base image is not in the local store. */
  readonly skipped: number;
}

/** Adds every record of `config` the local index lacks, materialising its snapshots. */
export async function materialize(t: MaterializeTarget, config: CacheConfig, open: (d: Digest) => Promise<Readable>, signal?: AbortSignal): Promise<ImportSummary> {
  const m = new Materializer(t, config, open, signal);
  let imported = 0;
  let present = 0;
  let skipped = 0;
  for (const r of config.records) {
    signal?.throwIfAborted();
    const key = r.key as CacheKey; // a cache config's keys are checked sha256 digests (format.ts)
    const local = await t.index.get(key);
    if (local !== undefined && (await allExist(t.snapshotter, local.results))) {
      present++;
      continue;
    }
    const results: string[] = [];
    for (const ref of r.results) {
      const id = await m.ref(ref);
      if (id === null) break;
      results.push(id);
    }
    if (results.length !== r.results.length) {
      skipped++;
      continue;
    }
    await t.index.set({ key, results, createdAt: r.createdAt });
    imported++;
  }
  return { imported, present, skipped };
}

class Materializer {
  readonly #t: MaterializeTarget;
  readonly #steps: readonly CacheStep[];
  readonly #open: (d: Digest) => Promise<Readable>;
  readonly #signal: AbortSignal | undefined;
  readonly #done = new Map<string, Promise<string | null>>();
  #chains: Promise<{ image: Awaited<ReturnType<ImageStore['list']>>[number]; chains: Digest[] }[]> | undefined;

  constructor(t: MaterializeTarget, config: CacheConfig, open: (d: Digest) => Promise<Readable>, signal: AbortSignal | undefined) {
    this.#t = t;
    this.#steps = config.steps;
    this.#open = open;
    this.#signal = signal;
  }

  /** The local snapshot key for `ref` ('' for empty), or null when its base image is missing. */
  ref(ref: SnapshotRef): Promise<string | null> {
    const id = ref.kind === 'empty' ? 'empty' : ref.kind === 'base' ? ref.chainID : `step:${ref.index}`;
    let p = this.#done.get(id);
    if (p === undefined) {
      p = this.#make(ref);
      this.#done.set(id, p);
    }
    return p;
  }

  async #make(ref: SnapshotRef): Promise<string | null> {
    switch (ref.kind) {
      case 'empty':
        return '';
      case 'base':
        return this.#base(ref.chainID);
      case 'step': {
        const step = this.#steps[ref.index];
        if (step === undefined) throw new Error(`internal: step ${ref.index} out of range`);
        const parent = await this.ref(step.parent);
        return parent === null ? null : this.#step(step, parent === '' ? undefined : parent);
      }
      default: {
        const never: never = ref;
        throw new Error(`internal: unknown snapshot ref ${JSON.stringify(never)}`);
      }
    }
  }

  /** The base image's chain-ID snapshot, unpacking a local image that has it when it is missing. */
  async #base(chainID: Digest): Promise<string | null> {
    const { snapshotter: sn, images } = this.#t;
    if (await isCommitted(sn, chainID)) return chainID;
    this.#chains ??= (async () => {
      const out = [];
      for (const image of await images.list()) out.push({ image, chains: chainIDs((await images.config(image)).rootfs.diff_ids) });
      return out;
    })();
    const hit = (await this.#chains).find((c) => c.chains.includes(chainID));
    if (hit === undefined) return null;
    await unpackImage(images, sn, hit.image, { mounter: this.#t.mounter, tmpDir: this.#t.tmpDir, ...(this.#signal === undefined ? {} : { signal: this.#signal }) });
    return (await isCommitted(sn, chainID)) ? chainID : null;
  }

  /** Applies the step's layer onto `parent` and commits it (or finds it committed already). */
  async #step(step: CacheStep, parent: string | undefined): Promise<string> {
    const { snapshotter: sn, content } = this.#t;
    const key = stepKeyFrom(digestHex(sha256(JSON.stringify([parent ?? '', step.layer?.diffID ?? null, step.createdAt]))));
    if (await isCommitted(sn, key)) return key;
    const labels = stepLabels(step.layer ?? undefined, step.createdAt);
    if (step.layer !== null) {
      const { diffID, size } = step.layer;
      if (!(await content.has(diffID))) {
        const source = await this.#open(diffID);
        // A source may have stored the layer itself (a registry download does).
        if (await content.has(diffID)) source.destroy();
        else await content.writeStream(source, { digest: diffID, size }, this.#signal === undefined ? {} : { signal: this.#signal });
      }
    }
    const tmpKey = `import-${randomBytes(6).toString('hex')}-${key}`;
    const mounts = await sn.prepare(tmpKey, parent, { labels: ownedLabels({ 'kiln.import': key }) });
    const mount: MountState = { mounted: false };
    try {
      if (step.layer !== null) {
        const target = await this.#targetDir(tmpKey, mounts, mount);
        const applied = await applyLayer(await content.reader(step.layer.diffID), target, this.#signal === undefined ? {} : { signal: this.#signal });
        if (applied.diffID !== step.layer.diffID) throw new FailedPreconditionError(`cache layer ${step.layer.diffID}: applied diffID is ${applied.diffID}`);
      }
      await this.#release(mount);
      await sn.commit(key, tmpKey, { labels });
    } catch (err) {
      await this.#release(mount).catch(() => undefined);
      await sn.remove(tmpKey).catch(() => undefined);
      // Another kiln imported the same step first: that is success.
      if (findError(err, AlreadyExistsError) !== undefined && (await isCommitted(sn, key))) return key;
      throw err;
    } finally {
      if (mount.dir !== undefined && !mount.mounted) await rm(mount.dir, { recursive: true, force: true }).catch(() => undefined);
    }
    return key;
  }

  /** The snapshot's merged view: its own dir for a plain bind, else an overlay mounted by the injected Mounter. */
  async #targetDir(key: string, mounts: readonly Mount[], mount: MountState): Promise<string> {
    const [only] = mounts;
    if (mounts.length === 1 && only?.type === 'bind') return this.#t.snapshotter.layerDir(key);
    mount.dir = await mkdtemp(join(this.#t.tmpDir, 'kiln-cache-import-'));
    await this.#t.mounter.mountAll(mounts, mount.dir);
    mount.mounted = true;
    return mount.dir;
  }

  async #release(mount: MountState): Promise<void> {
    if (mount.dir !== undefined && mount.mounted) {
      await this.#t.mounter.unmount(mount.dir);
      mount.mounted = false;
    }
  }
}

interface MountState {
  dir?: string;
  mounted: boolean;
}


async function allExist(sn: Snapshotter, ids: readonly string[]): Promise<boolean> {
  for (const id of ids) if (id !== '' && !(await isCommitted(sn, id))) return false;
  return true;
}
