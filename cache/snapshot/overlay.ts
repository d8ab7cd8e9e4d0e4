/**
 * The overlayfs snapshotter (after containerd's snapshots/overlay). A committed
 * layer is the directory `<dir>/l/<id>/fs`; an active snapshot is an overlay of
 * its parents' `fs` dirs (nearest first) with its own `fs` as the upper dir, so
 * `layerDir()` of an active snapshot is exactly the diff of a step.
 *
 * Overlay mounts follow executor/mount.ts's convention: `source` is the
 * absolute `<dir>/l` and every path in the options is relative to it
 * (`lowerdir=abcdefgh/fs:…`). With 8-character ids a lower layer costs 12 bytes,
 * so about 330 layers fit in the kernel's one-page limit on mount options;
 * deeper chains fail with FailedPreconditionError before anything is mounted.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError } from '../../util/errors.js';
import { DirSnapshotter, type Resolved } from './base.js';
import { q } from './table.js';
import type { Mount } from './types.js';

/** The most bytes of mount options mount(2) accepts (one page, with its NUL). */
const MAX_OPTIONS_BYTES = 4095;

/** Snapshots as overlayfs layers under `dir` (which must not itself be on overlayfs). */
export class OverlaySnapshotter extends DirSnapshotter {
  protected override async populate(s: Resolved, dir: string): Promise<void> {
    await mkdir(join(dir, 'fs'), { mode: 0o755 });
    if (s.record.kind === 'active') await mkdir(join(dir, 'work'), { mode: 0o700 });
  }

  protected override mountsOf(s: Resolved): Mount[] {
    const { id, kind } = s.record;
    const [only] = s.parents;
    if (s.parents.length === 0) return [bind(this.fsDir(id), kind === 'view')];
    // overlayfs refuses a single lowerdir without an upper; the layer alone is the view.
    if (kind === 'view' && only !== undefined && s.parents.length === 1) return [bind(this.fsDir(only), true)];
    const options = kind === 'active' ? [`upperdir=${id}/fs`, `workdir=${id}/work`] : [];
    options.push(`lowerdir=${s.parents.map((p) => `${p}/fs`).join(':')}`);
    const bytes = Buffer.byteLength(options.join(','));
    if (bytes > MAX_OPTIONS_BYTES) {
      throw new FailedPreconditionError(
        `snapshot ${q(s.key)} has ${s.parents.length} parent layers: its overlay mount options would be ${bytes} bytes, ` +
          `the kernel accepts at most ${MAX_OPTIONS_BYTES}; squash the image or build on a shallower base`,
      );
    }
    return [{ type: 'overlay', source: this.layersDir, options }];
  }
}

function bind(source: string, readonly: boolean): Mount {
  return { type: 'bind', source, options: ['rbind', readonly ? 'ro' : 'rw'] };
}
