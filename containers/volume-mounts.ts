/**
 * A new container's mounts: `-v` and `--mount` as asked (containers/volumes
 * parses them), plus an anonymous volume for each image VOLUME no other
 * mount covers (docker's rule), then the volumes made and filled from the
 * image. The record keeps volumes by name; the supervisor binds their
 * directories at start.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ownedLabels, type Snapshotter } from '../cache/index.js';
import { mountAll, unmount } from '../executor/index.js';
import { cleanPath } from '../util/go-path-clean.js';
import { InvalidArgumentError } from '../util/errors.js';
import type { CreateRequest, RecordMount } from './types.js';
import { fillVolumes, parseMountFlag, parseVolumeFlag, type MountRequest, type VolumeFill, type VolumeStore } from './volumes/index.js';

/** The mounts a create asks for, checked, in order. */
export type PlannedMounts = readonly MountRequest[];

/** Parses and checks the mount flags; adds the image's VOLUMEs that nothing else covers. */
export function containerMounts(req: Pick<CreateRequest, 'volumes' | 'mounts' | 'security'>, imageVolumes: readonly string[]): PlannedMounts {
  const asked = [...req.volumes.map(parseVolumeFlag), ...(req.mounts ?? []).map(parseMountFlag)];
  const taken = new Set<string>((req.security?.tmpfs ?? []).map((t) => cleanPath(t.destination)));
  for (const m of asked) {
    const dest = cleanPath(m.destination);
    if (taken.has(dest)) throw new InvalidArgumentError(`duplicate mount point: ${dest}`);
    taken.add(dest);
    if (m.type === 'bind' && m.mustExist && !existsSync(m.source)) throw new InvalidArgumentError(`invalid --mount: bind source path does not exist: ${m.source}`);
  }
  const fromImage: MountRequest[] = imageVolumes
    .filter((v) => !taken.has(cleanPath(v)))
    .map((destination) => ({ type: 'volume', destination: cleanPath(destination), readonly: false, noCopy: false, labels: {} }));
  return [...asked, ...fromImage];
}

export interface VolumeDeps {
  readonly volumes: VolumeStore;
  readonly snapshotter: Snapshotter;
  readonly tmpDir: () => Promise<string>;
  /** The image's top snapshot (what the volumes are filled from); undefined: an image with no layers. */
  readonly image: string | undefined;
  /** The container's id (names the temporary view of the image). */
  readonly id: string;
  /** Filled with the anonymous volumes made, for the caller to remove if the create fails. */
  readonly made: string[];
}

/** Makes the volumes (anonymous ones new, named ones when missing), fills empty ones from the image; the record's mounts. */
export async function createVolumes(planned: PlannedMounts, deps: VolumeDeps): Promise<RecordMount[]> {
  const out: RecordMount[] = [];
  const fills: VolumeFill[] = [];
  for (const m of planned) {
    if (m.type === 'bind') out.push({ type: 'bind', source: m.source, destination: m.destination, readonly: m.readonly });
    else if (m.type === 'tmpfs') out.push({ type: 'tmpfs', destination: m.destination, options: m.options });
    else {
      const anonymous = m.name === undefined;
      const { record } = await deps.volumes.create(m.name, { labels: m.labels, anonymous });
      if (anonymous) deps.made.push(record.name);
      out.push({ type: 'volume', name: record.name, destination: m.destination, readonly: m.readonly, anonymous });
      const data = deps.volumes.dataPath(record.name);
      // Only an empty volume is filled (so the image is mounted only when one is).
      if (!m.noCopy && (await readdir(data)).length === 0) fills.push({ data, imagePath: m.destination });
    }
  }
  if (fills.length > 0 && deps.image !== undefined) await withImage(deps, (rootfs) => fillVolumes(rootfs, fills));
  return out;
}

/** Runs `fn` with the image's filesystem mounted read-only (a view snapshot, removed after). */
async function withImage(deps: VolumeDeps, fn: (rootfs: string) => Promise<void>): Promise<void> {
  const key = `volume-fill-${deps.id}`;
  const target = join(await deps.tmpDir(), key);
  const mounts = await deps.snapshotter.view(key, deps.image, { labels: ownedLabels({}) });
  try {
    await mkdir(target, { recursive: true });
    await mountAll(mounts, target);
    try {
      await fn(target);
    } finally {
      await unmount(target);
    }
  } finally {
    await rmdir(target).catch(() => undefined);
    await deps.snapshotter.remove(key).catch(() => undefined);
  }
}
