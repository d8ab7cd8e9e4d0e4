/**
 * Composition root of a build: the root's stores, the executor, the context
 * hasher (with .dockerignore and a persisted stat cache), all wired into a BuildEnv.
 */
import xxhashWasm, { type XXHashAPI } from 'xxhash-wasm';
import { ContextHasher, ignoreMatcher, readDockerignore } from '../frontend/index.js';
import type { BuildEnv, RunExtras } from '../frontend/index.js';
import { mountAll, unmount } from '../executor/index.js';
import type { Worker } from './worker.js';

let xx: Promise<XXHashAPI> | undefined;
const xxhash = (): Promise<XXHashAPI> => (xx ??= xxhashWasm());

/** The BuildEnv for one build of `contextDir` with `dockerfilePath`. */
export async function buildEnv(
  w: Worker,
  opts: {
    contextDir: string;
    dockerfilePath: string;
    runtime: string | undefined;
    network: 'host' | 'none';
    sourceDateEpoch: number | undefined;
    secrets?: ReadonlyMap<string, Buffer>;
    runExtras?: RunExtras;
    sshAgents?: ReadonlyMap<string, string>;
  },
): Promise<BuildEnv> {
  const tmpDir = await w.tmpDir();
  let hasher: Promise<ContextHasher> | undefined;
  return {
    layout: w.layout,
    content: w.content,
    images: w.images,
    snapshotter: await w.snapshotter(),
    executor: () => w.executor(opts.runtime),
    mounter: { mountAll, unmount: (t) => unmount(t) },
    contextDir: opts.contextDir,
    tmpDir,
    sourceDateEpoch: opts.sourceDateEpoch,
    network: opts.network,
    ...(opts.secrets === undefined ? {} : { secrets: opts.secrets }),
    ...(opts.runExtras === undefined ? {} : { runExtras: opts.runExtras }),
    ...(opts.sshAgents === undefined ? {} : { sshAgents: opts.sshAgents }),
    xxhash,
    contextHasher: () =>
      (hasher ??= (async () =>
        ContextHasher.open({
          root: opts.contextDir,
          xxhash: await xxhash(),
          ignore: ignoreMatcher(await readDockerignore(opts.contextDir, opts.dockerfilePath)),
          resetOwner: true,
          cacheDir: w.layout.contextCache,
        }))()),
    saveContextCache: async () => {
      if (hasher !== undefined) await (await hasher).save();
    },
  };
}
