/**
 * WORKDIR: creates the directory (mkdir -p, 0755, owned by the current USER
 * like BuildKit) when it is missing; the change, if any, is the step's layer.
 * See https://docs.docker.com/reference/dockerfile/#workdir
 */
import { randomBytes } from 'node:crypto';
import { lchown, lstat, mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { resolveInRoot } from '../../util/root-path.js';
import { readUserFiles, resolveUserFrom } from '../../util/user.js';
import type { WorkdirStep } from '../plan/index.js';
import type { CacheMap, Op, OpContext, Result } from '../../solver/index.js';
import { canonicalJson } from '../../solver/index.js';
import { sha256 } from '../../util/digest.js';
import { ownedLabels } from '../../cache/index.js';
import { whileWriting } from '../../util/no-space.js';
import { snapshotOf, SnapshotResult, type BuildEnv } from './env.js';
import { commitStep } from './layer-commit.js';
import { stepOptions } from './op-run.js';
import { mountDir } from './views.js';
import { newStepKey } from '../../cache/index.js';
import { ifExists } from '../../util/if-exists.js';

export class WorkdirOp implements Op {
  readonly #env: BuildEnv;
  readonly #step: WorkdirStep;

  constructor(env: BuildEnv, step: WorkdirStep) {
    this.#env = env;
    this.#step = step;
  }

  async cacheMap(): Promise<CacheMap> {
    return { digest: sha256(canonicalJson({ op: 'workdir', def: this.#step.definition })), deps: [{}] };
  }

  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    const env = this.#env;
    const parent = snapshotOf(inputs[0]);
    const active = `workdir-${randomBytes(8).toString('hex')}`;
    const name = this.#step.name;
    const mounted = await whileWriting(env.layout.root, `preparing ${name}`, async () => mountDir(env, await env.snapshotter.prepare(active, parent, { labels: ownedLabels() })));
    try {
      await whileWriting(env.layout.root, `creating the directory of ${name}`, async () => mkdirInRoot(mounted.path, this.#step.path, await this.#owner(mounted.path)));
      await mounted.release();
      const step = { active, parent, key: newStepKey() };
      const out = await whileWriting(env.layout.root, `writing the layer of ${name}`, () => commitStep(env.snapshotter, env.content, step, stepOptions(env, ctx)));
      return [new SnapshotResult(out.key)];
    } catch (err) {
      await mounted.release().catch(() => undefined);
      await env.snapshotter.remove(active).catch(() => undefined);
      throw err;
    }
  }

  async #owner(rootfs: string): Promise<{ uid: number; gid: number }> {
    if (this.#step.owner === null || this.#step.owner === '') return { uid: 0, gid: 0 };
    const u = resolveUserFrom(this.#step.owner, await readUserFiles(rootfs));
    return { uid: u.uid, gid: u.gid };
  }
}

/** `mkdir -p` of container path `path` inside `rootfs`, never leaving it; new dirs get `owner`. */
export async function mkdirInRoot(rootfs: string, path: string, owner: { uid: number; gid: number }): Promise<void> {
  let cur = '/';
  for (const part of posix.normalize(path).split('/').filter(Boolean)) {
    cur = posix.join(cur, part);
    const host = await resolveInRoot(rootfs, cur, { followLast: true });
    const st = await ifExists(lstat(host));
    if (st !== undefined) continue;
    await mkdir(host, { mode: 0o755 });
    await lchown(host, owner.uid, owner.gid);
  }
}
