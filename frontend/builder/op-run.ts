/**
 * The RUN op: the step's process in a container over a writable snapshot of
 * its parent, then the snapshot's diff becomes the step's layer.
 * See https://docs.docker.com/reference/dockerfile/#run
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { ContainerMount } from '../../executor/index.js';
import type { RunMount, RunStep } from '../plan/index.js';
import type { CacheMap, Op, OpContext, Result } from '../../solver/index.js';
import { canonicalJson, type JsonValue } from '../../solver/index.js';
import { NotFoundError, NotImplementedError } from '../../util/errors.js';
import { sha256 } from '../../util/digest.js';
import { isFull, whileWriting } from '../../util/no-space.js';
import type { RunExtras } from './request.js';
import { ExitError } from './errors.js';
import { mountSource, writableSource } from './mount-source.js';
import { stepInput } from './result.js';
import type { BuildScope } from './scope.js';
import { changeStep } from './step-change.js';
import { releaseAll, viewOf, type MountedDir } from './views.js';
import type { Worker } from './worker.js';
import { mountCacheSubpath } from './cache-source.js';
import { forwardSsh } from './ssh-forward.js';

/** Where each RUN --mount reads from, as an index into the op's inputs (0 is the rootfs). */
export type MountInputs = readonly (number | undefined)[];

/** Runs one RUN step. Inputs: `[rootfs, ...stage/image sources of its mounts]`. */
export class RunOp implements Op {
  readonly #scope: BuildScope;
  readonly #step: RunStep;
  readonly #mountInputs: MountInputs;

  constructor(scope: BuildScope, step: RunStep, mountInputs: MountInputs) {
    this.#scope = scope;
    this.#step = step;
    this.#mountInputs = mountInputs;
  }

  async cacheMap(): Promise<CacheMap> {
    const deps = [{}, ...this.#step.mounts.flatMap((_, i) => (this.#mountInputs[i] === undefined ? [] : [{}]))];
    const extras = runExtrasKey(this.#scope.request.runExtras);
    return { digest: sha256(canonicalJson({ op: 'run', def: this.#step.definition, ...(extras === undefined ? {} : { extras }) })), deps };
  }

  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    const { worker, request } = this.#scope;
    const step = this.#step;
    const root = worker.layout.root;
    const change = { name: step.name, kind: 'run', parent: stepInput(inputs[0]) };
    const out = await changeStep(this.#scope, ctx, change, async (active) => {
      const held: MountedDir[] = [];
      const scratch = await whileWriting(root, `preparing ${step.name}`, () => mkdtemp(join(worker.tmpDir, 'kiln-run-')));
      try {
        const mounts = await whileWriting(root, `preparing ${step.name}`, () => this.#mounts(inputs, scratch, held));
        const result = await whileWriting(root, `starting ${step.name}`, async () => (await worker.executor()).run(
          {
            id: `kiln-build-${randomBytes(6).toString('hex')}`,
            rootfs: active.mounts,
            args: step.args,
            env: [...step.env, ...this.#secretEnv(), ...this.#sshEnv()],
            cwd: step.cwd,
            hostname: step.hostname,
            hostnameEnv: false,
            ...(step.user === '' ? {} : { user: step.user }),
            network: step.network === 'none' || (step.network === 'default' && request.network === 'none') ? 'none' : 'host',
            mounts,
            ...request.runExtras,
          },
          { signal: ctx.signal, stdio: { stdout: logSink(ctx, 'stdout'), stderr: logSink(ctx, 'stderr') } },
        ));
        // Checked before the snapshot is removed: its files may be what filled the disk.
        if (result.exitCode !== 0) throw new ExitError(step.args, result.exitCode, (await isFull(await active.layerDir())) ? root : undefined);
      } catch (err) {
        await releaseAll(held, scratch).catch(() => undefined);
        throw err;
      }
      await releaseAll(held, scratch);
    });
    return [out];
  }

  async #mounts(inputs: readonly Result[], scratch: string, held: MountedDir[]): Promise<ContainerMount[]> {
    const out: ContainerMount[] = [];
    for (const [i, f] of this.#step.files.entries()) {
      const host = join(scratch, `file-${i}`);
      await writeFile(host, f.data, { mode: f.mode });
      await chmod(host, f.mode);
      out.push({ type: 'bind', source: host, destination: f.path, readonly: true });
    }
    for (const [i, m] of this.#step.mounts.entries()) {
      const mount = await this.#mount(m, inputs[this.#mountInputs[i] ?? -1], held, scratch);
      if (mount !== undefined) out.push(mount);
    }
    return out;
  }

  /**
   * A secret as a read-only file (BuildKit's default target /run/secrets/<id>)
   * in the step's scratch dir, removed after the step; `env=` secrets are added
   * to the environment by {@link RunOp.exec} instead.
   */
  async #secret(m: Extract<RunMount, { type: 'secret' }>, scratch: string): Promise<ContainerMount | undefined> {
    const value = this.#scope.request.secrets?.get(m.id);
    if (value === undefined) {
      if (m.required) throw new NotFoundError(`secret ${m.id}: not found (give it with kiln build --secret id=${m.id},src=FILE)`);
      return undefined;
    }
    if (m.target === null) return undefined;
    const host = join(scratch, `secret-${createHash('sha256').update(m.id).digest('hex').slice(0, 16)}`);
    await writeFile(host, value, { mode: m.mode });
    await chmod(host, m.mode);
    await chown(host, m.uid, m.gid);
    return { type: 'bind', source: host, destination: m.target, readonly: true };
  }

  async #mount(m: RunMount, input: Result | undefined, held: MountedDir[], scratch: string): Promise<ContainerMount | undefined> {
    switch (m.type) {
      case 'tmpfs':
        return { type: 'tmpfs', destination: m.target, options: m.size === null ? [] : [`size=${m.size}`] };
      case 'cache':
        // Seeding a cache from a stage or the context (BuildKit's `from=`) is not done yet: refuse rather than ignore it.
        if (m.from.kind !== 'scratch') throw new NotImplementedError('RUN --mount=type=cache,from=…');
        return { type: 'bind', source: await this.#cacheSource(m, held), destination: m.target, readonly: m.readOnly };
      case 'bind': {
        const base = m.from.kind === 'context' ? this.#scope.request.contextDir : await this.#view(input, held);
        const source = await mountSource(base, m.source, m.from);
        if (m.readOnly) return { type: 'bind', source, destination: m.target, readonly: true };
        return { type: 'bind', source: await writableSource(this.#scope.worker, source, m.source, scratch, held), destination: m.target, readonly: false };
      }
      case 'secret':
        return this.#secret(m, scratch);
      case 'ssh': {
        const fwd = await forwardSsh(m, this.#scope.request.sshAgents, scratch, held.length);
        if (fwd === undefined) return undefined;
        held.push(fwd);
        return { type: 'bind', source: fwd.path, destination: m.target, readonly: false };
      }
      default: {
        const never: never = m;
        throw new Error(`internal: unknown mount ${JSON.stringify(never)}`);
      }
    }
  }

  /** BuildKit points SSH_AUTH_SOCK at the first ssh mount (unless the step sets it). */
  #sshEnv(): string[] {
    const first = this.#step.mounts.find((m) => m.type === 'ssh');
    if (first === undefined || this.#scope.request.sshAgents?.has(first.id) !== true || this.#step.env.some((e) => e.startsWith('SSH_AUTH_SOCK='))) return [];
    return [`SSH_AUTH_SOCK=${first.target}`];
  }

  /** `RUN --mount=type=secret,env=NAME`: the secret's value in the step's environment only. */
  #secretEnv(): string[] {
    const out: string[] = [];
    for (const m of this.#step.mounts) {
      if (m.type !== 'secret' || m.env === null) continue;
      const value = this.#scope.request.secrets?.get(m.id);
      if (value !== undefined) out.push(`${m.env}=${value.toString('utf8')}`);
    }
    return out;
  }

  /** The cache directory, or its `source=` path (held open until the step ends). */
  async #cacheSource(m: Extract<RunMount, { type: 'cache' }>, held: MountedDir[]): Promise<string> {
    const dir = await cacheDir(this.#scope.worker, m);
    if (m.source === '/') return dir;
    const sub = await mountCacheSubpath(this.#scope.worker, dir, m.source, m.id);
    held.push(sub);
    return sub.path;
  }

  async #view(input: Result | undefined, held: MountedDir[]): Promise<string> {
    const v = await viewOf(this.#scope.worker, stepInput(input)?.snapshot);
    held.push(v);
    return v.path;
  }
}

/** The RUN extras in a cache key; none set leaves the key as it was without them. */
function runExtrasKey(x: RunExtras | undefined): JsonValue | undefined {
  if (x === undefined) return undefined;
  const key: Record<string, JsonValue> = {};
  if (x.extraHosts !== undefined && x.extraHosts.length > 0) key.hosts = x.extraHosts.map((h) => `${h.name}=${h.ip}`);
  if (x.shmSize !== undefined) key.shm = x.shmSize;
  if (x.rlimits !== undefined && x.rlimits.length > 0) key.rlimits = x.rlimits.map((r) => `${r.type}=${r.soft}:${r.hard}`);
  return Object.keys(key).length === 0 ? undefined : key;
}

/** A persistent cache-mount directory under the root, keyed by the mount's id. */
async function cacheDir(env: Worker, m: Extract<RunMount, { type: 'cache' }>): Promise<string> {
  const id = createHash('sha256').update(m.id).digest('hex').slice(0, 32);
  const dir = join(env.layout.cacheMounts, id);
  const make = async (): Promise<void> => {
    await mkdir(dir, { recursive: true });
    // Its mtime is its last use, for `kiln prune --cache-mounts --filter until=`.
    const now = new Date();
    await utimes(dir, now, now);
  };
  // Recorded in this build's lease first, so `kiln prune --cache-mounts` leaves it alone meanwhile.
  await (env.snapshotter.guard === undefined ? make() : env.snapshotter.guard.use({ cacheMounts: [id] }, make));
  // BuildKit sets them on the cache's root only when the whole cache is mounted.
  if (m.source !== '/') return dir;
  if (m.mode !== null) await chmod(dir, m.mode);
  if (m.uid !== null || m.gid !== null) await chown(dir, m.uid ?? 0, m.gid ?? 0);
  return dir;
}

/** A writable that forwards container output to the vertex's log. */
function logSink(ctx: OpContext, stream: 'stdout' | 'stderr'): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      ctx.log(stream, chunk);
      cb();
    },
  });
}
