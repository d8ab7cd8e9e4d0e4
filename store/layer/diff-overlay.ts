/**
 * The changes in an overlayfs upper dir, as layer entries: the upper dir
 * holds exactly what a step changed, with 0/0 character devices for deletions
 * and `trusted.overlay.opaque=y` (`user.overlay.opaque` rootless) on directories that hide the layers below.
 * https://docs.kernel.org/filesystems/overlayfs.html#whiteouts-and-opaque-directories
 */
import { lstatSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { FailedPreconditionError } from '../../util/errors.js';
import { asHardlink, entryFromStat, HardlinkTracker, type DiffEntry } from './entry-from-stat.js';
import { childPath, sortedNames } from './sorted-names.js';
import { isOverlayWhiteout, opaqueEntry, overlayWhiteoutEntry } from './whiteout.js';
import { readXattrs, type XattrMap } from './xattrs.js';
import { rootless } from '../../util/rootless.js';

/**
 * Capabilities go into the layer; the overlay attributes tell us about the
 * upper dir. A rootless kiln mounts with `userxattr`, so the kernel keeps
 * them as `user.overlay.*` (and then refuses to let a container set those);
 * as root they are `trusted.overlay.*` and a `user.overlay.*` is a
 * container's own xattr, not the overlay's.
 */
function overlayPrefix(): string {
  return rootless() === undefined ? 'trusted.overlay.' : 'user.overlay.';
}

function xattrPattern(prefix: string): string {
  return `^(security\\.capability|${prefix.replaceAll('.', '\\.')}(opaque|redirect|metacopy))$`;
}

interface Walk {
  readonly root: string;
  readonly xattrs: XattrMap;
  readonly links: HardlinkTracker;
  readonly sourceDateEpoch: number | undefined;
  readonly prefix: string;
}

/** Entries of the upper dir `upper`, parents first, names bytewise sorted. */
export async function* overlayEntries(upper: string, sourceDateEpoch: number | undefined): AsyncGenerator<DiffEntry, void, undefined> {
  const root = await realpath(upper);
  const prefix = overlayPrefix();
  const w: Walk = { root, xattrs: await readXattrs(root, xattrPattern(prefix)), links: new HardlinkTracker(), sourceDateEpoch, prefix };
  yield* walk(w, '');
}

async function* walk(w: Walk, dir: string): AsyncGenerator<DiffEntry, void, undefined> {
  for (const name of sortedNames(w.root + (dir === '' ? '' : `/${dir}`), dir)) {
    const rel = childPath(dir, name);
    const abs = `${w.root}/${rel}`;
    const st = lstatSync(abs, { bigint: true });
    const attrs = w.xattrs.get(rel);
    checkOverlayFeatures(rel, attrs, w.prefix);
    if (isOverlayWhiteout(st)) {
      yield overlayWhiteoutEntry(rel, st, w.sourceDateEpoch);
      continue;
    }
    const entry = entryFromStat(abs, rel, st, attrs, w.sourceDateEpoch);
    if (entry === null) continue;
    const first = w.links.seen(st, rel);
    yield first === undefined ? entry : asHardlink(entry, first);
    if (entry.header.type !== 'dir') continue;
    if (attrs?.get(`${w.prefix}opaque`)?.toString('latin1') === 'y') yield opaqueEntry(entry.header);
    yield* walk(w, rel);
  }
}

/**
 * A renamed directory (redirect_dir) or a metadata-only copy-up (metacopy)
 * leaves its content in the lower layers, so the upper dir is not the diff.
 */
function checkOverlayFeatures(rel: string, attrs: ReadonlyMap<string, Buffer> | undefined, prefix: string): void {
  for (const feature of ['redirect', 'metacopy']) {
    if (attrs?.has(`${prefix}${feature}`) === true) {
      throw new FailedPreconditionError(
        `upper dir entry ${JSON.stringify(rel)} has ${prefix}${feature}: mount the overlay with ${feature === 'redirect' ? 'redirect_dir' : 'metacopy'}=off to diff it`,
      );
    }
  }
}
