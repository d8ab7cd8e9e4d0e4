/**
 * `kiln check --repair`: removes what the scan (check-scan.ts) found damaged
 * and everything that depends on it, referrers first, so a root is consistent
 * at every step: image names whose manifest, config or a layer is damaged or
 * missing (the next build or pull makes them again), build cache records
 * whose snapshot chain or layer blob is gone (their steps run again), broken
 * snapshots with every snapshot built on them (an image's layer snapshots are
 * unpacked again from its blobs), damaged blobs, and orphan snapshot dirs.
 */
import type { Snapshotter } from '../cache/snapshot/index.js';
import { removeOrphanDir } from '../cache/snapshot/index.js';
import { mountPointsUnder } from '../executor/index.js';
import { dropImages } from '../store/index.js';
import type { Digest } from '../util/digest.js';
import { imageLayers, type CheckReport, type CheckTarget } from './check-scan.js';

/** One thing repair removed. */
export type Removal =
  | { readonly kind: 'image'; readonly manifest: Digest; readonly names: readonly string[] }
  | { readonly kind: 'record'; readonly key: string }
  /** `image` is set for an image's layer snapshot, which unpacking re-creates. */
  | { readonly kind: 'snapshot'; readonly key: string; readonly image: string | undefined }
  | { readonly kind: 'blob'; readonly digest: Digest }
  | { readonly kind: 'orphan-dir'; readonly dir: string };

export interface RepairResult {
  readonly removed: readonly Removal[];
  /** What could not be removed, and why. */
  readonly failed: readonly { readonly what: string; readonly reason: string }[];
}

/** Acts on `report` (from scanRoot over the same target); see the module comment. */
export async function repairRoot(t: CheckTarget & { readonly snapshotter: Snapshotter }, report: CheckReport): Promise<RepairResult> {
  const removed: Removal[] = [];
  const failed: { what: string; reason: string }[] = [];
  const attempt = async (what: string, fn: () => Promise<void>, done: Removal): Promise<void> => {
    try {
      await fn();
      removed.push(done);
    } catch (err) {
      failed.push({ what, reason: (err as Error).message });
    }
  };
  const damagedImages = report.images.filter((i) => i.damage !== undefined);
  if (damagedImages.length > 0) {
    const manifests = new Set(damagedImages.map((i) => i.manifest));
    try {
      await dropImages(t.images, manifests);
      for (const i of damagedImages) removed.push({ kind: 'image', manifest: i.manifest, names: i.names });
    } catch (err) {
      failed.push({ what: 'image index', reason: (err as Error).message });
    }
  }
  for (const f of report.findings) {
    if (f.kind === 'record') await attempt(`cache record ${f.key}`, () => t.steps.delete(f.key), { kind: 'record', key: f.key });
  }
  const layerOf = imageLayers(report.images);
  const removable = new Set(report.brokenSnapshots);
  for (const f of report.findings) {
    if (f.kind === 'snapshot' && !removable.has(f.key)) {
      failed.push({ what: `snapshot ${JSON.stringify(f.key)}`, reason: 'its table entry does not name a snapshot directory; removing it could delete files elsewhere' });
    }
  }
  for (const key of report.brokenSnapshots) {
    await attempt(`snapshot ${JSON.stringify(key)}`, () => t.snapshotter.remove(key), { kind: 'snapshot', key, image: layerOf.get(key) });
  }
  for (const f of report.findings) {
    if (f.kind === 'blob') await attempt(`blob ${f.digest}`, () => t.content.delete(f.digest), { kind: 'blob', digest: f.digest });
  }
  for (const f of report.findings) {
    if (f.kind !== 'orphan-dir') continue;
    await attempt(`snapshot directory ${f.dir}`, async () => {
      if (!(await removeOrphanDir(f.dir, mountPointsUnder))) throw new Error('something is mounted under it; unmount it first');
    }, { kind: 'orphan-dir', dir: f.dir });
  }
  return { removed, failed };
}
