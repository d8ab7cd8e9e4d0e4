/**
 * Every path kiln keeps under its root directory, named once. The
 * composition root (cli/worker.ts) builds one per root and hands the paths
 * to the code that needs them; nothing else joins names onto the root.
 *
 * ```
 * <root>/oci/             OCI image layout: blobs, index.json, ingest/ (store/, cache/content/)
 * <root>/snapshots/       snapshotter state; `driver` names overlay or native
 * <root>/cache/steps/     build cache records (solver's JsonFileCacheStore)
 * <root>/cache/context/   context stat caches (frontend/context)
 * <root>/cache/parse/     parsed Dockerfiles (frontend/builder/parse-cache.ts)
 * <root>/cache/gc-last.json   when automatic GC last ran
 * <root>/cache-mounts/    RUN --mount=type=cache directories, by hashed id
 * <root>/leases/          live process sessions (cache/lease.ts)
 * <root>/exec/            runtime state and bundles of running containers
 * <root>/containers/      containers: <id>/ (config, state, json-file logs), names/ (containers/records.ts)
 * <root>/network/         containers/<id>/ (netns, pasta, hosts), networks/ (user-defined networks; containers/network)
 * <root>/volumes/         named and anonymous volumes: <name>/volume.json, <name>/_data/ (containers/volumes)
 * <root>/tmp/             scratch: mount points, heredoc files; one `<pid>-<starttime>/` per process
 * <root>/sweep.lock       held by the process sweeping what killed kilns left (cli/sweep.ts)
 * <root>/kiln.json, kiln.toml   settings ([gc])
 * ```
 */
import { join } from 'node:path';

export interface RootLayout {
  readonly root: string;
  readonly oci: string;
  readonly snapshots: string;
  readonly stepCache: string;
  readonly contextCache: string;
  readonly parseCache: string;
  readonly gcStamp: string;
  readonly cacheMounts: string;
  readonly leases: string;
  readonly exec: string;
  readonly containers: string;
  /** Container networks (namespaces, pasta) and user-defined networks (containers/network). */
  readonly network: string;
  /** Volumes (containers/volumes). */
  readonly volumes: string;
  readonly tmp: string;
  readonly sweepLock: string;
  readonly configJson: string;
  readonly configToml: string;
}

/** The layout of the kiln root at `root` (an absolute path). */
export function rootLayout(root: string): RootLayout {
  return {
    root,
    oci: join(root, 'oci'),
    snapshots: join(root, 'snapshots'),
    stepCache: join(root, 'cache', 'steps'),
    contextCache: join(root, 'cache', 'context'),
    parseCache: join(root, 'cache', 'parse'),
    gcStamp: join(root, 'cache', 'gc-last.json'),
    cacheMounts: join(root, 'cache-mounts'),
    leases: join(root, 'leases'),
    exec: join(root, 'exec'),
    containers: join(root, 'containers'),
    network: join(root, 'network'),
    volumes: join(root, 'volumes'),
    tmp: join(root, 'tmp'),
    sweepLock: join(root, 'sweep.lock'),
    configJson: join(root, 'kiln.json'),
    configToml: join(root, 'kiln.toml'),
  };
}
