/**
 * Containers on disk, under `<root>/containers/`:
 *
 * ```
 * <id>/config.json        the ContainerRecord (written once; again by rename)
 * <id>/state.json         the ContainerState (written by the supervisor)
 * <id>/<id>-json.log      the output, docker's json-file format (+ .1, .2 … when rotated)
 * <id>/stop               present while a stop asked by the user is in effect (no restart)
 * <id>/supervisor.log     the supervisor's own errors
 * names/<name>            the id holding that name (created exclusively: names are unique)
 * ```
 *
 * Every write is atomic (temp + rename). A name is claimed before its
 * record is written and released after the record is removed, so a crash in
 * between leaves a name pointing at no record, which the next claim takes over.
 */
import { mkdir, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { AlreadyExistsError } from '../util/errors.js';
import { ifExists } from '../util/if-exists.js';
import type { ContainerRecord, ContainerState } from './types.js';

const ID = /^[0-9a-f]{64}$/;

/** Paths of one container's directory. */
export interface ContainerPaths {
  readonly dir: string;
  readonly config: string;
  readonly state: string;
  readonly log: string;
  readonly stop: string;
  readonly supervisorLog: string;
}

/** The record store of one root. */
export class RecordStore {
  readonly dir: string;
  readonly #names: string;

  constructor(dir: string) {
    this.dir = dir;
    this.#names = join(dir, 'names');
  }

  paths(id: string): ContainerPaths {
    const dir = join(this.dir, id);
    return {
      dir,
      config: join(dir, 'config.json'),
      state: join(dir, 'state.json'),
      log: join(dir, `${id}-json.log`),
      stop: join(dir, 'stop'),
      supervisorLog: join(dir, 'supervisor.log'),
    };
  }

  /** Ids of every container with a record. */
  async ids(): Promise<string[]> {
    const names = (await ifExists(readdir(this.dir))) ?? [];
    return names.filter((n) => ID.test(n));
  }

  async read(id: string): Promise<ContainerRecord | undefined> {
    const text = await ifExists(readFile(this.paths(id).config, 'utf8'));
    return text === undefined ? undefined : (JSON.parse(text) as ContainerRecord);
  }

  async readState(id: string): Promise<ContainerState | undefined> {
    const text = await ifExists(readFile(this.paths(id).state, 'utf8'));
    return text === undefined ? undefined : (JSON.parse(text) as ContainerState);
  }

  async writeState(id: string, state: ContainerState): Promise<void> {
    await writeFileAtomic(this.paths(id).state, JSON.stringify(state), 0o644, { durable: false });
  }

  /** Writes a new record; the name must already be claimed for it. */
  async create(record: ContainerRecord, state: ContainerState): Promise<void> {
    const p = this.paths(record.id);
    await mkdir(p.dir, { recursive: true, mode: 0o700 });
    await this.writeState(record.id, state);
    await writeFileAtomic(p.config, JSON.stringify(record));
  }

  async rewrite(record: ContainerRecord): Promise<void> {
    await writeFileAtomic(this.paths(record.id).config, JSON.stringify(record));
  }

  /** Removes the record and everything in its directory (logs included). */
  async remove(id: string): Promise<void> {
    // config.json first: a crash part-way leaves a directory no listing shows as a container.
    await ifExists(unlink(this.paths(id).config));
    await rm(this.paths(id).dir, { recursive: true, force: true });
  }

  /** The id holding `name`, if any. */
  async nameHolder(name: string): Promise<string | undefined> {
    const id = await ifExists(readFile(join(this.#names, name), 'utf8'));
    return id?.trim();
  }

  /**
   * Claims `name` for `id`; AlreadyExistsError when a container with a
   * record holds it (a name left by a crash, pointing at no record, is taken over).
   */
  async claimName(name: string, id: string): Promise<void> {
    await mkdir(this.#names, { recursive: true, mode: 0o700 });
    const path = join(this.#names, name);
    try {
      await writeFile(path, id, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await this.nameHolder(name);
    if (holder !== undefined && holder !== id && (await this.read(holder)) !== undefined) {
      throw new AlreadyExistsError(
        `container name ${JSON.stringify(name)} is already in use by container ${holder}: remove (or rename) that container to reuse the name`,
      );
    }
    await writeFileAtomic(path, id);
  }

  /** Releases `name` if `id` holds it. */
  async releaseName(name: string, id: string): Promise<void> {
    if ((await this.nameHolder(name)) === id) await ifExists(unlink(join(this.#names, name)));
  }
}
