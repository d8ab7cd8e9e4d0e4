/**
 * The copy-based snapshotter, for hosts without overlayfs and for unit tests.
 * `prepare` copies the parent's whole tree into the new snapshot's `fs` dir
 * with `cp -a` (modes, ownership, timestamps, symlinks, hard links within the
 * tree, xattrs, device nodes), reflinking where the filesystem can. Every
 * snapshot holds a full tree, so `layerDir()` is NOT a diff: store/ must
 * compare it with the parent's tree to find a step's changes.
 *
 * A view copies nothing: it is a read-only bind of its parent's tree (the
 * parent cannot be removed while the view exists), and its `layerDir()` is that
 * tree, which callers must not write to.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FailedPreconditionError } from '../../util/errors.js';
import { DirSnapshotter, type Resolved } from './base.js';
import { q } from './table.js';
import type { Mount } from './types.js';

const run = promisify(execFile);

/** Snapshots as full directory copies under `dir`. */
export class NativeSnapshotter extends DirSnapshotter {
  protected override async populate(s: Resolved, dir: string): Promise<void> {
    const dest = join(dir, 'fs');
    const [parent] = s.parents;
    if (s.record.kind === 'view' || parent === undefined) {
      await mkdir(dest, { mode: 0o755 });
      return;
    }
    try {
      // -T: dest does not exist yet, so cp creates it as a copy of the parent's root dir.
      await run('cp', ['-a', '--reflink=auto', '-T', '--', this.fsDir(parent), dest]);
    } catch (err) {
      const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
      throw new FailedPreconditionError(`copying parent of snapshot ${q(s.key)} failed: ${stderr || String(err)}`, {
        cause: err,
      });
    }
  }

  protected override mountsOf(s: Resolved): Mount[] {
    const readonly = s.record.kind === 'view';
    return [{ type: 'bind', source: this.layerDirOf(s), options: ['rbind', readonly ? 'ro' : 'rw'] }];
  }

  protected override layerDirOf(s: Resolved): string {
    const [parent] = s.parents;
    return s.record.kind === 'view' && parent !== undefined ? this.fsDir(parent) : this.fsDir(s.record.id);
  }
}
