/**
 * `kiln check`'s scan of a root: hashes every blob (streaming, one at a time),
 * compares the snapshot table with its directories, checks every image's
 * manifest, config and layers, and every build cache record's snapshot chain
 * and layer blobs. It changes nothing; check-repair.ts acts on what it finds.
 * It lives in cli/ because it joins the stores of several rooms (content,
 * snapshots, images, the solver's step records), as the composition root does.
 */
import type { ContentStore } from '../cache/index.js';
import { damagedDigest } from '../cache/index.js';
import { scanSnapshots, withDescendants, type SnapshotInfo, type SnapshotProblem } from '../cache/index.js';
import type { CacheKey, CacheStore } from '../solver/index.js';
import { scanImages, type BlobState, type ImageStore, type ScannedImage } from '../store/index.js';
import type { Digest } from '../util/digest.js';
import { layerBlobOf } from '../cache/index.js';


/** One problem, naming the thing at fault. */
export type Finding =
  | { readonly kind: 'blob'; readonly digest: Digest; readonly actual: string }
  | { readonly kind: 'image'; readonly manifest: Digest; readonly names: readonly string[]; readonly damage: string }
  /** `image` is set when the snapshot is a layer of an intact image: unpacking re-creates it. */
  | { readonly kind: 'snapshot'; readonly key: string; readonly problem: string; readonly image: string | undefined }
  | { readonly kind: 'orphan-dir'; readonly dir: string }
  | { readonly kind: 'record'; readonly key: CacheKey; readonly problem: string };

/** The stores of a root, as the scan needs them. */
export interface CheckTarget {
  readonly content: ContentStore;
  readonly images: ImageStore;
  /** The snapshot driver's directory (`<root>/snapshots/<driver>`). */
  readonly snapshotDir: string;
  readonly steps: CacheStore;
  /** The oldest other live kiln session (ms): what is newer may be in the making. */
  readonly keepNewerThan: number | undefined;
}

/** What the scan found, with what repair needs to act on it. */
export interface CheckReport {
  readonly findings: readonly Finding[];
  /** Every snapshot repair must remove (the broken ones and all built on them), children first. */
  readonly brokenSnapshots: readonly string[];
  readonly images: readonly ScannedImage[];
}

/**
 * Scans `t` against `blobs` (from {@link hashBlobs}); see the module comment.
 * Meant to run as a collection (cache/lease.ts), so nothing is pruned or
 * reused meanwhile; hashing, the long part, need not.
 */
export async function scanRoot(t: CheckTarget, blobs: BlobHashes): Promise<CheckReport> {
  const late = new Map<Digest, boolean>();
  const state = async (d: Digest): Promise<BlobState> => {
    if (blobs.damaged.has(d)) return 'damaged';
    if (blobs.seen.has(d)) return 'ok';
    // A blob committed after the walk was verified by its writer.
    if (!late.has(d)) late.set(d, await t.content.has(d));
    return late.get(d) === true ? 'ok' : 'missing';
  };
  const findings: Finding[] = [...blobs.damaged].map(([digest, actual]) => ({ kind: 'blob', digest, actual }));
  const images = await scanImages(t.images, state);
  for (const i of images) if (i.damage !== undefined) findings.push({ kind: 'image', manifest: i.manifest, names: i.names, damage: i.damage });
  const snaps = await scanSnapshots(t.snapshotDir, { keepNewerThan: t.keepNewerThan });
  const s = snapshotFindings(snaps.problems, imageLayers(images));
  findings.push(...s.findings);
  const broken = withDescendants(snaps.infos, s.direct).filter((k) => !s.untouchable.has(k));
  findings.push(...(await scanRecords(t.steps, snaps.infos, { direct: s.direct, all: new Set([...broken, ...s.untouchable]) }, state)));
  return { findings, brokenSnapshots: broken, images };
}

/**
 * The findings for the snapshot scan's problems, the snapshots broken in
 * themselves (`direct`), and those repair must never remove (`untouchable`: a
 * table entry whose directory path is not trusted; a broken parent of one then
 * fails to go, and repair says so).
 */
function snapshotFindings(problems: readonly SnapshotProblem[], layerOf: ReadonlyMap<string, string>): { findings: Finding[]; direct: Set<string>; untouchable: Set<string> } {
  const findings: Finding[] = [];
  const direct = new Set<string>();
  const untouchable = new Set<string>();
  for (const p of problems) {
    switch (p.kind) {
      case 'orphan-dir':
        findings.push({ kind: 'orphan-dir', dir: p.dir });
        break;
      case 'bad-id':
        untouchable.add(p.key);
        findings.push({ kind: 'snapshot', key: p.key, problem: `its directory id ${JSON.stringify(p.id)} is not a snapshot directory name (repair leaves it alone)`, image: undefined });
        break;
      case 'missing-dir':
      case 'missing-parent': {
        direct.add(p.key);
        const problem = p.kind === 'missing-dir' ? `its directory ${p.dir} is gone` : `its parent ${JSON.stringify(p.parent)} does not exist`;
        findings.push({ kind: 'snapshot', key: p.key, problem, image: layerOf.get(p.key) });
        break;
      }
      default: {
        const never: never = p;
        throw new Error(`internal: unknown snapshot problem ${JSON.stringify(never)}`);
      }
    }
  }
  return { findings, direct, untouchable };
}

/** What hashing the blobs found: each blob seen, and the damaged ones with the digest of their content. */
export interface BlobHashes {
  readonly seen: ReadonlySet<Digest>;
  readonly damaged: ReadonlyMap<Digest, string>;
}

/** Hashes every committed blob, one at a time, streaming; a blob removed meanwhile (prune) is simply gone. */
export async function hashBlobs(content: ContentStore): Promise<BlobHashes> {
  const all: Digest[] = [];
  await content.walk((b) => {
    all.push(b.digest);
  });
  const seen = new Set<Digest>();
  const damaged = new Map<Digest, string>();
  for (const d of all) {
    const actual = await damagedDigest(content.path(d), d).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (actual === null) continue;
    seen.add(d);
    if (actual !== undefined) damaged.set(d, actual);
  }
  return { seen, damaged };
}

/** Chain ID → "layer N of image NAME", for every intact image. */
export function imageLayers(images: readonly ScannedImage[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of images) {
    const name = i.names[0] ?? i.manifest;
    for (const [n, c] of i.chainIDs.entries()) if (!out.has(c)) out.set(c, `layer ${n + 1} of image ${name}`);
  }
  return out;
}

/**
 * A record is damaged when a snapshot of its results' chains is missing or
 * broken, or a layer blob such a snapshot names is missing or damaged.
 */
async function scanRecords(
  steps: CacheStore,
  infos: readonly SnapshotInfo[],
  broken: { readonly direct: ReadonlySet<string>; readonly all: ReadonlySet<string> },
  state: (d: Digest) => Promise<BlobState>): Promise<Finding[]> {
  const byKey = new Map(infos.map((i) => [i.key, i]));
  const verdict = new Map<string, string | undefined>();
  const chainProblem = async (top: string): Promise<string | undefined> => {
    const seen = new Set<string>();
    let problem: string | undefined;
    // Up the parents until a problem, a known verdict, the bottom, or a cycle (which the table never makes).
    for (let key: string | undefined = top; key !== undefined && !seen.has(key); ) {
      if (verdict.has(key)) {
        problem = verdict.get(key);
        break;
      }
      seen.add(key);
      const info = byKey.get(key);
      if (info === undefined) problem = `snapshot ${JSON.stringify(key)} is missing`;
      else if (broken.direct.has(key)) problem = `snapshot ${JSON.stringify(key)} is damaged`;
      else if (broken.all.has(key)) problem = `snapshot ${JSON.stringify(key)} is built on a damaged snapshot`;
      else problem = await layerProblem(info, state);
      if (problem !== undefined) break;
      key = info?.parent;
    }
    for (const k of seen) verdict.set(k, problem);
    return problem;
  };
  const out: Finding[] = [];
  for (const rec of await steps.list()) {
    for (const id of rec.results) {
      const problem = id === '' ? undefined : await chainProblem(id);
      if (problem !== undefined) {
        out.push({ kind: 'record', key: rec.key, problem });
        break;
      }
    }
  }
  return out;
}

async function layerProblem(info: SnapshotInfo, state: (d: Digest) => Promise<BlobState>): Promise<string | undefined> {
  const d = layerBlobOf(info);
  if (d === undefined) return undefined;
  const s = await state(d);
  return s === 'ok' ? undefined : `layer ${d} of snapshot ${JSON.stringify(info.key)} is ${s}`;
}
