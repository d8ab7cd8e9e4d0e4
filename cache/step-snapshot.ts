/**
 * The step-snapshot contract: how a build step's committed snapshot is named
 * and labelled, read by the builder's export, the remote cache, `kiln check`
 * and the collector. One place, so they cannot drift.
 *
 * - key: `step-<16 hex>` (random for a step that ran, derived from the layer
 *   and time for one imported from a remote cache);
 * - `kiln.layer.diffid` / `kiln.layer.size`: the layer blob the step's diff
 *   was stored as (absent when the step changed nothing);
 * - `kiln.step.created`: when the step first ran (ms), for a step imported
 *   from a cache, so image history times (and ids) match the original build.
 */
import { randomBytes } from 'node:crypto';
import { isDigest, type Digest } from '../util/digest.js';
import type { SnapshotInfo } from './snapshot/index.js';

const PREFIX = 'step-';

export const STEP_LABELS = {
  diffID: 'kiln.layer.diffid',
  size: 'kiln.layer.size',
  created: 'kiln.step.created',
} as const;

/** A step's layer as its snapshot records it. */
export interface StepLayer {
  readonly diffID: Digest;
  readonly size: number;
}

/** A fresh key for a step that ran. */
export function newStepKey(): string {
  return `${PREFIX}${randomBytes(8).toString('hex')}`;
}

/** A key derived from `seed` (16 hex characters of it), for imported steps. */
export function stepKeyFrom(hex: string): string {
  return `${PREFIX}${hex.slice(0, 16)}`;
}

export function isStepKey(key: string | undefined): key is string {
  return key !== undefined && key.startsWith(PREFIX);
}

/** The labels a step snapshot is committed with. */
export function stepLabels(layer: StepLayer | undefined, createdAt?: number): Record<string, string> {
  const labels: Record<string, string> = layer === undefined ? {} : { [STEP_LABELS.diffID]: layer.diffID, [STEP_LABELS.size]: String(layer.size) };
  if (createdAt !== undefined) labels[STEP_LABELS.created] = String(createdAt);
  return labels;
}

/** The layer blob digest a snapshot's labels name, if any (with or without a valid size). */
export function layerBlobOf(info: Pick<SnapshotInfo, 'labels'>): Digest | undefined {
  const d = info.labels[STEP_LABELS.diffID];
  return d !== undefined && isDigest(d) ? d : undefined;
}

/** The step's layer, when its labels hold a valid one. */
export function stepLayerOf(info: Pick<SnapshotInfo, 'labels'>): StepLayer | undefined {
  const diffID = layerBlobOf(info);
  const size = Number(info.labels[STEP_LABELS.size]);
  return diffID !== undefined && Number.isFinite(size) ? { diffID, size } : undefined;
}

/** When the step first ran: the imported time, else the snapshot's commit time. */
export function stepCreatedAt(info: Pick<SnapshotInfo, 'labels' | 'createdAt'>): number {
  const created = Number(info.labels[STEP_LABELS.created]);
  return Number.isSafeInteger(created) && created > 0 ? created : info.createdAt;
}
