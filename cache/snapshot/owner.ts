/**
 * Working snapshots that die with their process. A caller that makes an
 * active snapshot or a view only for as long as it runs (a build step's
 * rootfs, a view to copy from, a layer being unpacked, a `kiln run --rm`
 * container) labels it with {@link ownedLabels}; once that process is gone
 * the snapshot is garbage and the start-up sweep removes it. Snapshots
 * without the label (a `kiln run` container kept like docker's) outlive
 * their maker. Committing drops the label: a committed snapshot has no owner.
 */
import { isAlive, processIdentity } from '../../util/lock.js';

/** The label holding the owner's process identity (`pid:starttime`). */
export const OWNER_LABEL = 'kiln.owner';

/** `labels` plus the owner label naming this process. */
export function ownedLabels(labels: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...labels, [OWNER_LABEL]: processIdentity() ?? `${process.pid}:` };
}

/** True when `labels` name an owner process that has exited. */
export function ownerGone(labels: Readonly<Record<string, string>>): boolean {
  const owner = labels[OWNER_LABEL];
  return owner !== undefined && !isAlive(owner);
}

/** `labels` without the owner label. */
export function withoutOwner(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { [OWNER_LABEL]: _owner, ...rest } = labels;
  return rest;
}
