/**
 * A read-only view of a source directory for COPY/ADD: the build context
 * (with `.dockerignore` applied) or another stage's rootfs. Directories are
 * listed lazily and remembered; nothing is followed through a symlink and
 * nothing outside the root is ever looked at (paths resolve through the one
 * root-confined resolver, util/root-path.ts). Paths are relative,
 * `/`-separated, `''` for the root.
 *
 * Metadata syscalls are synchronous on purpose: each takes microseconds and
 * a trip through libuv's thread pool costs far more (see store/layer).
 */
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { resolveConfined, type Component } from '../../util/root-path.js';
import type { MatchInfo, PatternMatcher } from './patternmatcher.js';

/** The kind of a tree entry. */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'char' | 'block' | 'socket';

/** An entry's metadata, from lstat. */
export interface TreeEntry {
  readonly rel: string;
  readonly kind: EntryKind;
  /** Permission bits with setuid/setgid/sticky (`st_mode & 07777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
  readonly nlink: number;
  readonly rdev: number;
  /** A symlink's target; '' for other kinds. */
  readonly linkTarget: string;
}

/** Options of {@link SourceTree}. */
export interface SourceTreeOptions {
  /** Paths matching these are absent (`.dockerignore`). */
  readonly ignore?: PatternMatcher | undefined;
  /** Report every entry as owned by 0:0, as BuildKit does for the build context. */
  readonly resetOwner?: boolean;
}

interface Listing {
  readonly names: readonly string[];
  readonly present: ReadonlySet<string>;
  readonly infos: ReadonlyMap<string, MatchInfo>;
}

/** See the file comment. */
export class SourceTree {
  readonly root: string;
  readonly #ignore: PatternMatcher | undefined;
  readonly #resetOwner: boolean;
  readonly #listings = new Map<string, Listing>();
  readonly #entries = new Map<string, TreeEntry>();

  constructor(root: string, options: SourceTreeOptions = {}) {
    this.root = root;
    this.#ignore = options.ignore;
    this.#resetOwner = options.resetOwner ?? false;
  }

  /** The host path of `rel`. */
  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** The entry at `rel` (symlinks not followed), or undefined when absent or ignored. */
  entry(rel: string): TreeEntry | undefined {
    const cached = this.#entries.get(rel);
    if (cached !== undefined) return cached;
    if (rel !== '') {
      const slash = rel.lastIndexOf('/');
      const parent = slash < 0 ? '' : rel.slice(0, slash);
      const parentEntry = this.entry(parent);
      if (parentEntry?.kind !== 'dir') return undefined;
      if (!this.#list(parent).present.has(rel.slice(slash + 1))) return undefined;
    }
    const st = lstatSync(this.abs(rel), { bigint: true, throwIfNoEntry: false });
    if (st === undefined) return undefined;
    const entry = this.#toEntry(rel, st);
    this.#entries.set(rel, entry);
    return entry;
  }

  /** The sorted names in directory `rel` that are part of the tree. */
  children(rel: string): readonly string[] {
    return this.#list(rel).names;
  }

  /** The names seen in `rel` if it was listed, for pruning caches. */
  listed(rel: string): ReadonlySet<string> | undefined {
    return this.#listings.get(rel)?.present;
  }

  /**
   * Resolves `path` (relative or absolute, `..` clamped at the root) inside
   * the tree, following symlinks in every component, and in the last one
   * unless `followLast` is false. Returns the resolved relative path, or
   * throws NotFoundError when a component is missing.
   */
  resolve(path: string, followLast = true): string {
    return resolveConfined(path, (parts) => this.#component(parts.join('/')), { followLast, missing: 'fail', what: path }).join('/');
  }

  /** One component as the resolver sees it: through this tree's cached, ignore-aware view. */
  #component(rel: string): Component {
    const e = this.entry(rel);
    if (e === undefined) return { kind: 'missing' };
    if (e.kind === 'symlink') return { kind: 'link', target: e.linkTarget };
    return e.kind === 'dir' ? { kind: 'dir' } : { kind: 'other' };
  }

  #list(dir: string): Listing {
    const cached = this.#listings.get(dir);
    if (cached !== undefined) return cached;
    try {
      return this.#read(dir);
    } catch (err) {
      this.#listings.delete(dir); // a partial listing must not stay behind
      throw err;
    }
  }

  #read(dir: string): Listing {
    const parentInfo = this.#infoOf(dir);
    const names: string[] = [];
    const infos = new Map<string, MatchInfo>();
    for (const d of readdirSync(this.abs(dir), { withFileTypes: true })) {
      if (this.#ignore === undefined) {
        names.push(d.name);
        continue;
      }
      const rel = dir === '' ? d.name : `${dir}/${d.name}`;
      const { matched, info } = this.#ignore.matchesUsingParentResults(rel, parentInfo);
      if (d.isDirectory()) infos.set(d.name, info);
      if (!matched) names.push(d.name);
      else if (d.isDirectory() && this.#ignore.mayIncludeBelow(rel)) {
        this.#listings.set(dir, { names, present: new Set(), infos }); // lets the child find its match info
        if (this.#hasContent(rel)) names.push(d.name);
      }
    }
    names.sort();
    const listing = { names, present: new Set(names), infos };
    this.#listings.set(dir, listing);
    return listing;
  }

  /** The ignore match info of directory `dir` (undefined for the root). */
  #infoOf(dir: string): MatchInfo | undefined {
    if (dir === '') return undefined;
    const slash = dir.lastIndexOf('/');
    const parent = slash < 0 ? '' : dir.slice(0, slash);
    return this.#listings.get(parent)?.infos.get(dir.slice(slash + 1));
  }

  /** An excluded directory is in the context only when something below it was re-included. */
  #hasContent(dir: string): boolean {
    return this.#list(dir).names.length > 0;
  }

  #toEntry(rel: string, st: BigIntStats): TreeEntry {
    const kind = kindOf(st);
    return {
      rel,
      kind,
      mode: Number(st.mode & 0o7777n),
      uid: this.#resetOwner ? 0 : Number(st.uid),
      gid: this.#resetOwner ? 0 : Number(st.gid),
      size: kind === 'file' ? Number(st.size) : 0,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      ino: st.ino,
      dev: st.dev,
      nlink: Number(st.nlink),
      rdev: Number(st.rdev),
      linkTarget: kind === 'symlink' ? readlinkSync(this.abs(rel)) : '',
    };
  }
}

function kindOf(st: BigIntStats): EntryKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'socket';
}
