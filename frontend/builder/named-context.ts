/**
 * `--build-context NAME=DIR|oci-layout://DIR[:TAG|@DIGEST]|GIT-URL`: what
 * `FROM NAME`, `COPY --from=NAME` and `RUN --mount from=NAME` read. Each
 * becomes an unnamed image in the local store, so the planner and the ops
 * read it like any base image:
 * - a directory is hashed like the build context (stat cache, its own
 *   `.dockerignore` applied, as BuildKit does since moby/buildkit#2550, owners
 *   reset to root) and made a one-layer image; the same content reuses the
 *   image made before, so an unchanged directory is not read again;
 * - a git repository is cloned (the git context's code) and made an image
 *   the same way, without `.dockerignore` (BuildKit applies none to git);
 * - an OCI layout's image is copied in, every file resolved beneath DIR.
 * The image config of a directory or repository is empty but for the platform.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cloneGit, ContextHasher, copySelection, ignoreMatcher, parseGitRef, readDockerignore, selectSources } from '../context/index.js';
import type { NamedContext, ResolvedImage } from '../plan/index.js';
import { canonicalJson } from '../../solver/index.js';
import { createDiffStream, importLayout, MediaType, writeImage, type Descriptor, type ImageConfig, type Platform } from '../../store/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { digestHex, isDigest, sha256, type Digest } from '../../util/digest.js';
import { findError, NotFoundError } from '../../util/errors.js';
import type { BuildRequest } from './request.js';
import { xxhash } from './scope.js';
import type { Worker } from './worker.js';

/** Resolutions per build: FROM and `--from` of one name share one image. */
const resolved = new WeakMap<BuildRequest, Map<string, Promise<ResolvedImage>>>();

/** The image `--build-context NAME=…` stands for, made (or found) in the local store. */
export function resolveNamedContext(worker: Worker, request: BuildRequest, name: string, platform: Platform, signal?: AbortSignal): Promise<ResolvedImage> {
  const ctx = request.contexts?.get(name);
  if (ctx === undefined) throw new Error(`internal: no --build-context named ${name}`);
  let byName = resolved.get(request);
  if (byName === undefined) resolved.set(request, (byName = new Map()));
  const key = `${name}\n${platform.os}/${platform.architecture}`;
  let p = byName.get(key);
  if (p === undefined) byName.set(key, (p = resolveOne(worker, request, name, ctx, platform, signal)));
  return p;
}

async function resolveOne(worker: Worker, request: BuildRequest, name: string, ctx: NamedContext, platform: Platform, signal: AbortSignal | undefined): Promise<ResolvedImage> {
  switch (ctx.kind) {
    case 'local':
      return asResolved(worker, await dirImage(worker, request, ctx.dir, true, platform, `context ${name}`), `context ${name}`);
    case 'git': {
      const scratch = await mkdtemp(join(worker.tmpDir, 'kiln-git-context-'));
      try {
        const dir = await cloneGit(parseGitRef(ctx.url), join(scratch, 'repo'), signal === undefined ? {} : { signal });
        return asResolved(worker, await dirImage(worker, request, dir, false, platform, `context ${name} (${ctx.url})`), `context ${name}`);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
    case 'oci-layout': {
      const label = `--build-context ${name}=oci-layout://${ctx.dir}`;
      const image = await importLayout(worker.images, ctx.dir, { tag: ctx.tag, digest: ctx.digest }, platform, label, signal);
      return asResolved(worker, image.manifest.digest, `oci-layout://${ctx.dir}${ctx.digest !== undefined ? `@${ctx.digest}` : `:${ctx.tag ?? 'latest'}`}`);
    }
    case 'image':
    case 'stage':
      throw new Error(`internal: --build-context ${name} is resolved by the planner`);
    default: {
      const never: never = ctx;
      throw new Error(`internal: unknown build context ${JSON.stringify(never)}`);
    }
  }
}

async function asResolved(worker: Worker, manifest: Digest, display: string): Promise<ResolvedImage> {
  const image = await worker.images.get(manifest);
  return { ref: manifest, config: await worker.images.config(image), display };
}

/**
 * The one-layer image of directory `dir`'s files: found by the content
 * checksum when made before (and still stored), else written.
 */
async function dirImage(worker: Worker, request: BuildRequest, dir: string, dockerignore: boolean, platform: Platform, label: string): Promise<Digest> {
  const hasher = await ContextHasher.open({
    root: dir,
    xxhash: await xxhash(),
    ignore: dockerignore ? ignoreMatcher(await readDockerignore(dir)) : undefined,
    resetOwner: true,
    cacheDir: dockerignore ? worker.layout.contextCache : undefined,
  });
  const sel = await selectSources(hasher, { sources: ['.'] });
  if (dockerignore) await hasher.save().catch(() => undefined);
  const sde = request.sourceDateEpoch;
  const memo = join(worker.layout.contextCache, `named-${digestHex(sha256(canonicalJson({ files: sel.checksum, platform: { ...platform }, sde: sde ?? null })))}`);
  const known = await stored(worker, memo);
  if (known !== undefined) return known;
  const staging = await mkdtemp(join(worker.tmpDir, 'kiln-context-'));
  let layer: Descriptor;
  try {
    await copySelection(hasher.tree, sel, { rootfs: staging, dest: '/', instruction: 'COPY' });
    const diff = createDiffStream(staging, sde === undefined ? {} : { sourceDateEpoch: sde });
    const [info] = await Promise.all([worker.content.writeStream(diff.stream), diff.done]);
    layer = { mediaType: MediaType.layer, digest: info.digest, size: info.size };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const created = new Date((sde ?? Math.floor(Date.now() / 1000)) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const config: ImageConfig = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    config: {},
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created, created_by: label }],
  };
  const manifest = await writeImage(worker.content, config, [layer]);
  await worker.images.put(manifest, []);
  await mkdir(worker.layout.contextCache, { recursive: true });
  await writeFileAtomic(memo, manifest.digest);
  return manifest.digest;
}

/** The image a memo file names, when it is still in the store. */
async function stored(worker: Worker, memo: string): Promise<Digest | undefined> {
  const text = (await readFile(memo, 'utf8').catch(() => '')).trim();
  if (!isDigest(text)) return undefined;
  try {
    const image = await worker.images.get(text);
    return (await worker.content.has(image.id)) ? text : undefined;
  } catch (err) {
    if (findError(err, NotFoundError) !== undefined) return undefined;
    throw err;
  }
}
