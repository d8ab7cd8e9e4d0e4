/**
 * The directory a layer is applied to, with the checks that keep every write
 * inside it: entry names are cleaned lexically, and each parent component is
 * lstat'ed so that no write goes through a symlink, whoever made it (a lower
 * layer or this one). Verified directories are remembered for the rest of the
 * apply, and forgotten when this apply removes them. Syscalls are synchronous
 * (see apply-entry.ts for why).
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync, type BigIntStats } from 'node:fs';
import { rm } from 'node:fs/promises';
import { InvalidArgumentError } from '../../util/errors.js';
import { cleanPath as goPathClean } from '../../util/go-path-clean.js';

/** How {@link TargetTree.parents} treats missing or odd components. */
type ParentMode = 'create' | 'check' | 'probe';

/** Quotes a name for messages. */
export function q(s: string): string {
  return JSON.stringify(s);
}

/**
 * Checks a tar path and cleans it (Go's path.Clean) into a relative
 * `/`-separated path ('' for the root); refuses NUL, absolute and escaping paths.
 * `what` names the value in messages, e.g. `layer entry "a/b"`.
 */
export function cleanPath(path: string, what: string): string {
  if (path.includes('\0')) throw new InvalidArgumentError(`${what} contains a NUL byte`);
  if (path.startsWith('/')) throw new InvalidArgumentError(`${what} is an absolute path: layer paths are relative to the root`);
  const clean = goPathClean(path);
  if (clean === '..' || clean.startsWith('../')) throw new InvalidArgumentError(`${what} escapes the target directory`);
  return clean === '.' ? '' : clean;
}

/** The parent of a cleaned path ('' for top-level names). */
export function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}

/** The target directory of one apply. */
export class TargetTree {
  /** Paths this apply created, explicitly or as missing parents; an opaque marker spares them. */
  readonly created = new Set<string>();
  readonly root: string;
  readonly #dirs = new Set<string>();

  constructor(root: string) {
    this.root = root;
  }

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /**
   * Checks that every parent of `rel` is a real directory. `create` makes
   * missing ones (0755, like docker) and throws on symlinks and non-dirs;
   * `check` returns false for a missing one and throws on the rest; `probe`
   * returns false for anything but directories.
   */
  parents(rel: string, mode: ParentMode, entry: string): boolean {
    const parts = rel.split('/');
    parts.pop();
    let cur = '';
    for (const part of parts) {
      cur = cur === '' ? part : `${cur}/${part}`;
      if (this.#dirs.has(cur)) continue;
      const st = lstatOrNull(this.abs(cur));
      if (st?.isDirectory() !== true && mode === 'probe') return false;
      if (st === null) {
        if (mode === 'check') return false;
        mkdirSync(this.abs(cur));
        chmodSync(this.abs(cur), 0o755);
        this.created.add(cur);
      } else if (st.isSymbolicLink()) {
        throw new InvalidArgumentError(`layer entry ${q(entry)} goes through symlink ${q(cur)}: a layer may not write through a symlink`);
      } else if (!st.isDirectory()) {
        throw new InvalidArgumentError(`layer entry ${q(entry)} needs ${q(cur)} to be a directory`);
      }
      this.#dirs.add(cur);
    }
    return true;
  }

  /** Records that `rel` (whose parents were checked) is now a real directory. */
  markDir(rel: string): void {
    this.#dirs.add(rel);
  }

  /** Removes whatever is at `rel` (directories recursively, symlinks not followed). */
  async remove(rel: string): Promise<void> {
    const st = lstatOrNull(this.abs(rel));
    if (st === null) return;
    if (!st.isDirectory()) return unlinkSync(this.abs(rel));
    await rm(this.abs(rel), { recursive: true, force: true });
    for (const d of this.#dirs) if (d === rel || d.startsWith(`${rel}/`)) this.#dirs.delete(d);
  }
}

/** lstat, or null when nothing is there. */
export function lstatOrNull(path: string): BigIntStats | null {
  return lstatSync(path, { bigint: true, throwIfNoEntry: false }) ?? null;
}
