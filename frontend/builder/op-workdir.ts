/**
 * WORKDIR: creates the directory (mkdir -p, 0755, owned by the current USER
 * like BuildKit) when it is missing; the change, if any, is the step's layer.
 * See https://docs.docker.com/reference/dockerfile/#workdir
 */
import { lchown, lstat, mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { resolveInRoot } from '../../util/root-path.js';
import { readUserFiles, resolveUserFrom } from '../../util/user.js';
import type { WorkdirStep } from '../plan/index.js';
import type { CacheMap, Op, OpContext, Result } from '../../solver/index.js';
import { canonicalJson } from '../../solver/index.js';
import { sha256 } from '../../util/digest.js';
import { whileWriting } from '../../util/no-space.js';
import { stepInput } from './result.js';
import type { BuildScope } from './scope.js';
import { changeStep } from './step-change.js';
import { ifExists } from '../../util/if-exists.js';

const ROOTLESS = process.getuid?.() !== 0;

export class WorkdirOp implements Op {
  readonly #scope: BuildScope;
  readonly #step: WorkdirStep;

  constructor(scope: BuildScope, step: WorkdirStep) {
    this.#scope = scope;
    this.#step = step;
  }

  async cacheMap(): Promise<CacheMap> {
    return { digest: sha256(canonicalJson({ op: 'workdir', def: this.#step.definition })), deps: [{}] };
  }

  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    const name = this.#step.name;
    const out = await changeStep(this.#scope, ctx, { name, kind: 'workdir', parent: stepInput(inputs[0]) }, async (active) => {
      const rootfs = await active.hostPath();
      await whileWriting(this.#scope.worker.layout.root, `creating the directory of ${name}`, async () => mkdirInRoot(rootfs, this.#step.path, await this.#owner(rootfs)));
    });
    return [out];
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
    await lchown(host, owner.uid, owner.gid).catch((err: NodeJS.ErrnoException) => {
      // Without root (the copy snapshotter), ownership cannot be given away: as COPY does, the directory stays the builder's.
      if (!ROOTLESS || err.code !== 'EPERM') throw err;
    });
  }
}
