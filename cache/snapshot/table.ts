/**
 * The snapshot table in memory and the lifecycle rules of types.ts over it:
 * who may be created on what, committed, removed. Pure data; metadata.ts
 * loads and stores it.
 */
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import type { SnapshotInfo, SnapshotKind } from './types.js';

/** One snapshot as stored: `id` names its directory `<dir>/l/<id>`. */
export interface SnapshotRecord {
  readonly id: string;
  readonly kind: SnapshotKind;
  readonly parent?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
}

/** Snapshots by key, with the lifecycle rules. */
export class SnapshotTable {
  readonly #records: Map<string, SnapshotRecord>;

  constructor(records: Iterable<[string, SnapshotRecord]> = []) {
    this.#records = new Map(records);
  }

  /** The record of `key`; NotFoundError when absent. */
  get(key: string): SnapshotRecord {
    const rec = this.#records.get(key);
    if (rec === undefined) throw new NotFoundError(`snapshot ${q(key)} does not exist`);
    return rec;
  }

  has(key: string): boolean {
    return this.#records.has(key);
  }

  /** Throws unless `key` is free and `parent` (if any) is committed. */
  checkCreate(key: string, parent: string | undefined): void {
    if (this.#records.has(key)) throw new AlreadyExistsError(`snapshot ${q(key)} already exists`);
    if (parent === undefined) return;
    const p = this.#records.get(parent);
    if (p === undefined) throw new NotFoundError(`parent ${q(parent)} of snapshot ${q(key)} does not exist`);
    if (p.kind !== 'committed') {
      throw new FailedPreconditionError(`parent ${q(parent)} of snapshot ${q(key)} must be committed, it is ${p.kind}`);
    }
  }

  /** Adds a new active or view snapshot (after {@link checkCreate}). */
  insert(key: string, rec: SnapshotRecord): void {
    this.checkCreate(key, rec.parent);
    this.#records.set(key, rec);
  }

  /** Turns active `key` into committed `name`; `labels` replace the active's labels when given. */
  commit(name: string, key: string, labels: Record<string, string> | undefined, now: number): void {
    const rec = this.get(key);
    if (rec.kind !== 'active') {
      throw new FailedPreconditionError(`cannot commit snapshot ${q(key)}: it is ${rec.kind}, not active`);
    }
    if (this.#records.has(name)) throw new AlreadyExistsError(`cannot commit snapshot ${q(key)}: ${q(name)} already exists`);
    this.#records.delete(key);
    this.#records.set(name, { ...rec, kind: 'committed', labels: labels ?? rec.labels, createdAt: now });
  }

  /** Deletes `key` and returns its record; a snapshot with children stays. */
  remove(key: string): SnapshotRecord {
    const rec = this.get(key);
    const children = this.childrenOf(key);
    if (children.length > 0) {
      const names = children.slice(0, 3).map(q).join(', ') + (children.length > 3 ? ', …' : '');
      throw new FailedPreconditionError(`cannot remove snapshot ${q(key)}: it has ${children.length} children (${names})`);
    }
    this.#records.delete(key);
    return rec;
  }

  /** Keys of the snapshots whose parent is `key`, sorted. */
  childrenOf(key: string): string[] {
    return this.keys().filter((k) => this.#records.get(k)?.parent === key);
  }

  /** The directory ids of `parent` and its ancestors, nearest first. */
  chain(parent: string | undefined): string[] {
    const ids: string[] = [];
    for (let k = parent; k !== undefined; k = this.get(k).parent) {
      if (ids.length > this.#records.size) throw new FailedPreconditionError(`snapshot ${q(k)} has a parent cycle`);
      ids.push(this.get(k).id);
    }
    return ids;
  }

  /** True when some snapshot's directory is `<dir>/l/<id>`. */
  hasId(id: string): boolean {
    for (const rec of this.#records.values()) if (rec.id === id) return true;
    return false;
  }

  /** All keys, sorted. */
  keys(): string[] {
    return [...this.#records.keys()].sort();
  }

  /** The public view of `key` (labels copied). */
  info(key: string): SnapshotInfo {
    const rec = this.get(key);
    return { key, kind: rec.kind, parent: rec.parent, labels: { ...rec.labels }, createdAt: rec.createdAt };
  }

  entries(): IterableIterator<[string, SnapshotRecord]> {
    return this.#records.entries();
  }
}

/** Checks a key or name given by a caller. */
export function checkKey(key: string, what = 'snapshot key'): void {
  if (typeof key !== 'string' || key === '') throw new InvalidArgumentError(`${what} must be a non-empty string`);
  if (key.includes('\0')) throw new InvalidArgumentError(`${what} ${q(key)} must not contain NUL`);
}

/** Copies caller labels, checking every value is a string. */
export function copyLabels(labels: Record<string, string> | undefined, key: string): Record<string, string> | undefined {
  if (labels === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') throw new InvalidArgumentError(`label ${q(k)} of snapshot ${q(key)} must be a string`);
    out[k] = v;
  }
  return out;
}

/** Quotes a key for messages. */
export function q(key: string): string {
  return JSON.stringify(key);
}
