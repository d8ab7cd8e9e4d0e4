/**
 * The composition root: turns global options into the concrete stores the
 * commands use. Everything kiln keeps lives under the root directory.
 */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalContentStore } from '../cache/content/index.js';
import { ImageStore, layoutDir } from '../store/index.js';
import { FailedPreconditionError } from '../util/errors.js';

/** The stores of one kiln root. */
export interface Worker {
  readonly root: string;
  readonly content: LocalContentStore;
  readonly images: ImageStore;
}

/** `--root`, else `KILN_ROOT`, else `/var/lib/kiln` for root and `$XDG_DATA_HOME/kiln` otherwise. */
export function rootDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option !== undefined && option !== '') return resolve(option);
  if (env.KILN_ROOT !== undefined && env.KILN_ROOT !== '') return resolve(env.KILN_ROOT);
  if (process.getuid?.() === 0) return '/var/lib/kiln';
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kiln');
}

/** Opens the root's stores, creating them when missing, and cleans up what a killed kiln left. */
export async function openWorker(rootOption: string | undefined): Promise<Worker> {
  const root = rootDir(rootOption);
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw new FailedPreconditionError(`cannot create kiln root ${root}: ${(err as Error).message}`, { cause: err });
  }
  const dir = layoutDir(root);
  const content = new LocalContentStore(dir);
  await content.cleanupIngests();
  const images = await ImageStore.open(dir, content);
  return { root, content, images };
}
