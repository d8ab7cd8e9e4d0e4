/**
 * Turning a finished step into a committed snapshot and, unless its diff is
 * empty, a layer blob. The layer's diffID and size are stored as labels on
 * the committed snapshot, so a cached step's layer is known without diffing
 * again (cache/step-snapshot.ts); the cache index records the key, so a later
 * kiln process finds the step again (result.ts).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContentStore } from '../../cache/index.js';
import { NativeSnapshotter, type Snapshotter } from '../../cache/index.js';
import { createDiffStream } from '../../store/index.js';
import { AlreadyExistsError, findError } from '../../util/errors.js';
import { stepLabels, type StepLayer } from '../../cache/index.js';
import { committedInfo, resultOf, StepResult } from './result.js';

/** Diffs active snapshot `active`, stores the layer, commits it as `key`. */
export async function commitStep(
  sn: Snapshotter,
  content: ContentStore,
  step: { readonly active: string; readonly parent: string | undefined; readonly key: string },
  options: { sourceDateEpoch?: number; signal?: AbortSignal } = {},
): Promise<StepResult> {
  const { active, key } = step;
  const layer = await writeLayer(sn, content, active, step.parent, options);
  const labels = stepLabels(layer);
  try {
    await sn.commit(key, active, { labels });
  } catch (err) {
    // Another kiln committed the same step first: use theirs.
    if (findError(err, AlreadyExistsError) === undefined) throw err;
    await sn.remove(active).catch(() => undefined);
    const theirs = await committedInfo(sn, key);
    return theirs === undefined ? new StepResult({ snapshot: key, layer, createdAt: Date.now() }) : resultOf(theirs);
  }
  return resultOf(await sn.stat(key));
}

/**
 * Writes the layer of snapshot `key` (active or committed) into the content
 * store; undefined when the snapshot changed nothing. Overlay layer dirs are
 * diffs already; the copy-based snapshotter's are full trees, compared with the parent's.
 */
export async function writeLayer(
  sn: Snapshotter,
  content: ContentStore,
  key: string,
  parent: string | undefined,
  options: { sourceDateEpoch?: number; signal?: AbortSignal } = {},
): Promise<StepLayer | undefined> {
  const dir = await sn.layerDir(key);
  const full = sn instanceof NativeSnapshotter;
  if (!full && (await readdir(dir)).length === 0) return undefined;
  const input = full ? { lower: parent === undefined ? await emptyDir() : await sn.layerDir(parent), upper: dir } : dir;
  const d = createDiffStream(input, options);
  const info = await content.writeStream(d.stream, undefined, options.signal === undefined ? {} : { signal: options.signal });
  const done = await d.done;
  // Two 512-byte zero blocks: a tar with no entries.
  if (info.size <= 1024) return undefined;
  return { diffID: done.diffID, size: info.size };
}

let empty: Promise<string> | undefined;
/** An empty directory (the lower tree of a first layer), removed when the process exits. */
function emptyDir(): Promise<string> {
  empty ??= mkdtemp(join(tmpdir(), 'kiln-empty-')).then((dir) => {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return empty;
}
