/**
 * Test helpers for snapshot and mount tests: temp dirs that are never deleted
 * through a live mount, scoped mounts, error assertions, and the gate every
 * end-to-end test file passes before it mounts anything.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { checkOverlaySupport, mountAll, mountPointsUnder, unmount } from '../../executor/mount.js';
import { reportSkip } from '../../util/test-e2e.js';
import type { Mount } from './types.js';

/** Asserts `p` rejects with an instance of `cls` whose message contains `text`. */
export async function rejects(p: Promise<unknown>, cls: abstract new (...args: never[]) => Error, text: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, cls);
    const message = (err as Error).message;
    assert.ok(message.includes(text), `expected ${JSON.stringify(text)} in message: ${message}`);
    return;
  }
  assert.unreachable(`expected a ${cls.name}`);
}

/**
 * Runs `fn` with a fresh `kiln-test-` temp dir. Afterwards, even on failure,
 * unmounts anything still mounted below it and only then removes it (deleting
 * through a live bind mount would delete the layer itself).
 */
export async function withTempDir(fn: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    await fn(tmp);
  } finally {
    for (const point of await mountPointsUnder(tmp)) await unmount(point, { detach: true });
    const left = await mountPointsUnder(tmp);
    if (left.length > 0) throw new Error(`still mounted, not removing ${tmp}: ${left.join(', ')}`);
    await rm(tmp, { recursive: true, force: true });
  }
}

let targets = 0;

/** Mounts `mounts` on a new dir under `tmp`, runs `fn` on it, and always unmounts. */
export async function withMount<T>(mounts: readonly Mount[], tmp: string, fn: (root: string) => Promise<T>): Promise<T> {
  const target = join(tmp, `mnt-${++targets}`);
  await mkdir(target);
  try {
    await mountAll(mounts, target);
    return await fn(target);
  } finally {
    await unmount(target);
  }
}

/**
 * Whether this host can run mount end-to-end tests (root + overlayfs); when it
 * cannot, the shared gate reports the skip (a failure in CI).
 */
export async function e2eGate(what: string): Promise<boolean> {
  const support = await checkOverlaySupport();
  if (support.supported) return true;
  reportSkip(what, support.reason);
  return false;
}
