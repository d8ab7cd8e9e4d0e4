/** Helpers for this folder's tests: temp dirs, small trees, one xxhash instance. */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import xxhash, { type XXHashAPI } from 'xxhash-wasm';

let api: Promise<XXHashAPI> | undefined;

/** The process's xxhash-wasm instance. */
export function xxh(): Promise<XXHashAPI> {
  api ??= xxhash();
  return api;
}

/** A fresh `kiln-test-*` directory and its remover. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes files (content = the map's value); a key ending in `/` makes a directory. */
export async function writeTree(root: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      await mkdir(join(root, path), { recursive: true });
      continue;
    }
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** Sets a fixed old mtime on paths, and waits out the stat cache's racy window. */
export async function settle(root: string, paths: readonly string[] = []): Promise<void> {
  for (const p of paths) await utimes(join(root, p), 1_600_000_000, 1_600_000_000);
  await sleep(80);
}
