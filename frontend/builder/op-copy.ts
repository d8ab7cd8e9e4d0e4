/**
 * COPY and ADD: sources from the context (checksummed through the context
 * hasher, so the cache key covers exactly the selected files), another stage,
 * an image, heredocs or (ADD) URLs, copied into a writable snapshot of the
 * parent by kiln itself, never following a symlink out of the rootfs.
 * See https://docs.docker.com/reference/dockerfile/#copy
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addUrl, cloneGit, ContextHasher, copySelection, isGitUrl, isRemoteUrl, parseGitRef, resolveGitCommit, selectSources, type GitRef, type Selection } from '../context/index.js';
import type { CopyStep } from '../plan/index.js';
import type { CacheMap, Op, OpContext, Result } from '../../solver/index.js';
import { canonicalJson } from '../../solver/index.js';
import { sha256 } from '../../util/digest.js';
import { whileWriting } from '../../util/no-space.js';
import { stepInput } from './result.js';
import { xxhash, type BuildScope } from './scope.js';
import { changeStep } from './step-change.js';
import { releaseAll, viewOf, type MountedDir } from './views.js';

/**
 * The version of the COPY/ADD semantics in the cache key: bumped when the
 * same step over the same files would now write something else, so older
 * cache records are not reused. 2: empty wildcards, --parents patterns,
 * --chmod on created parents, ADD --chown of archive contents, sockets.
 */
const COPY_RULES = 2;

export class CopyOp implements Op {
  readonly #scope: BuildScope;
  readonly #step: CopyStep;

  constructor(scope: BuildScope, step: CopyStep) {
    this.#scope = scope;
    this.#step = step;
  }

  /** Local (non-URL) sources. */
  get #paths(): string[] {
    return this.#step.sources.filter((s) => !isRemoteUrl(s) && !this.#isGit(s));
  }

  /** ADD's git repositories (BuildKit's git URLs, and file:// repositories as kiln's addition). */
  #isGit(s: string): boolean {
    return this.#step.isAdd && (isGitUrl(s) || /^file:\/\//i.test(s));
  }

  get #gits(): GitRef[] {
    return this.#step.sources.filter((s) => this.#isGit(s)).map(parseGitRef);
  }

  async cacheMap(ctx: OpContext): Promise<CacheMap> {
    const step = this.#step;
    let selected: string | null = null;
    // A repository is keyed by the commit its ref names now: a moved branch is a new key.
    const gits = [];
    for (const g of this.#gits) gits.push({ ...g, commit: await resolveGitCommit(g, ctx.signal) });
    if (step.from.kind === 'context' && this.#paths.length > 0) {
      selected = (await this.#select(await this.#scope.contextHasher(), ctx.signal)).checksum;
    }
    const deps = step.from.kind === 'context' ? [{}] : [{}, {}];
    const key = { op: step.isAdd ? 'add' : 'copy', rules: COPY_RULES, def: step.definition, selected, ...(gits.length === 0 ? {} : { gits: gits.map((g) => `${g.commit}:${g.subdir ?? ''}`) }) };
    return { digest: sha256(canonicalJson(key)), deps };
  }

  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    const { worker } = this.#scope;
    const name = this.#step.name;
    const root = worker.layout.root;
    const out = await changeStep(this.#scope, ctx, { name, kind: 'copy', parent: stepInput(inputs[0]) }, async (active) => {
      const held: MountedDir[] = [];
      const scratch = await whileWriting(root, `preparing ${name}`, () => mkdtemp(join(worker.tmpDir, 'kiln-copy-')));
      try {
        const target = await active.hostPath();
        await whileWriting(root, `copying files for ${name}`, () => this.#copyInto(target, inputs[1], scratch, held, ctx));
      } catch (err) {
        await releaseAll(held, scratch).catch(() => undefined);
        throw err;
      }
      await releaseAll(held, scratch);
    });
    return [out];
  }

  async #copyInto(rootfs: string, from: Result | undefined, scratch: string, held: MountedDir[], ctx: OpContext): Promise<void> {
    const step = this.#step;
    const common = {
      rootfs,
      dest: step.dest,
      chown: step.chown ?? undefined,
      chmod: step.chmod ?? undefined,
      instruction: step.isAdd ? ('ADD' as const) : ('COPY' as const),
      signal: ctx.signal,
    };
    if (step.inline.length > 0) {
      for (const f of step.inline) await writeFile(join(scratch, f.path), f.data, { mode: f.mode });
      const hasher = await ContextHasher.open({ root: scratch, xxhash: await xxhash() });
      const sel = await selectSources(hasher, { sources: step.inline.map((f) => f.path) }, ctx.signal);
      await copySelection(hasher.tree, sel, { ...common, unpack: false });
    }
    if (this.#paths.length > 0) {
      const hasher = await this.#sourceHasher(from, held);
      const sel = await this.#select(hasher, ctx.signal);
      await copySelection(hasher.tree, sel, { ...common, unpack: step.isAdd && step.from.kind === 'context' && step.add?.unpack !== false });
    }
    for (const [i, g] of this.#gits.entries()) {
      const dir = await cloneGit(g, join(scratch, `git-${i}`), { keepGitDir: step.add?.keepGitDir === true, signal: ctx.signal });
      const hasher = await ContextHasher.open({ root: dir, xxhash: await xxhash() });
      await copySelection(hasher.tree, await selectSources(hasher, { sources: ['.'] }, ctx.signal), { ...common, unpack: false });
    }
    for (const url of step.sources.filter((s) => isRemoteUrl(s) && !this.#isGit(s))) {
      await addUrl({ ...common, url, unpack: step.add?.unpack === true, ...(step.add?.checksum == null ? {} : { checksum: step.add.checksum }) });
    }
  }

  async #sourceHasher(from: Result | undefined, held: MountedDir[]): Promise<ContextHasher> {
    if (this.#step.from.kind === 'context') return this.#scope.contextHasher();
    const view = await viewOf(this.#scope.worker, stepInput(from)?.snapshot);
    held.push(view);
    return ContextHasher.open({ root: view.path, xxhash: await xxhash() });
  }

  #select(hasher: ContextHasher, signal: AbortSignal): Promise<Selection> {
    const step = this.#step;
    return selectSources(hasher, { sources: this.#paths, parents: step.parents, exclude: step.excludes }, signal);
  }
}
