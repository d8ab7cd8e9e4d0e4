/**
 * Creating a container: the image (pulled when missing, like `docker run`),
 * the process by docker's rules (process.ts), a name, and a writable
 * snapshot `container-<id>` on the image's layers, recorded with its
 * config under `<root>/containers/<id>/`.
 */
import { ownedLabels, type Snapshotter } from '../cache/index.js';
import { mountAll, unmount } from '../executor/index.js';
import { pull } from '../registry/index.js';
import { unpackImage, type ImageRecord, type ImageStore } from '../store/index.js';
import { AlreadyExistsError, NotFoundError } from '../util/errors.js';
import { checkName, newId, randomName } from './names.js';
import { publishAll, type NetworkSettings } from './network/index.js';
import { runProcess } from './process.js';
import type { RecordStore } from './records.js';
import type { ContainerRecord, ContainerState, CreateRequest } from './types.js';
import { containerMounts, createVolumes, type PlannedMounts } from './volume-mounts.js';
import type { VolumeStore } from './volumes/index.js';

export interface CreateDeps {
  readonly records: RecordStore;
  readonly images: ImageStore;
  readonly snapshotter: Snapshotter;
  readonly tmpDir: () => Promise<string>;
  readonly volumes: VolumeStore;
}

/** The state of a container never started. */
export const CREATED: ContainerState = { status: 'created', startedAt: '', finishedAt: '', exitCode: 0, error: '', restartCount: 0 };

/** Snapshot labels naming the container (disk-usage and GC read `kiln.container`). */
function labelsFor(id: string, image: ImageRecord, ownedByThisProcess: boolean): Record<string, string> {
  const labels = { 'kiln.container': id, 'kiln.image': image.id };
  return ownedByThisProcess ? ownedLabels(labels) : labels;
}

/**
 * Creates the container. `ownedByThisProcess`: the filesystem goes with this
 * process if it is killed (an attached `--rm` run, whose supervisor it is).
 */
export async function createContainer(req: CreateRequest, deps: CreateDeps, ownedByThisProcess: boolean): Promise<ContainerRecord> {
  const requested = req.name === undefined ? undefined : checkName(req.name);
  const image = await resolveImage(deps.images, req.image);
  const config = (await deps.images.config(image)).config ?? {};
  const proc = await runProcess(config, { env: req.env, envFile: req.envFile, ...optional(req) }, req.args);
  const planned: PlannedMounts = containerMounts(req, Object.keys(config.Volumes ?? {}));
  const id = newId();
  const name = await claim(deps.records, id, requested);
  const snapshot = `container-${id}`;
  const made: string[] = [];
  try {
    const top = await unpackImage(deps.images, deps.snapshotter, image, { mounter: { mountAll, unmount: (t) => unmount(t) }, tmpDir: await deps.tmpDir() });
    await deps.snapshotter.prepare(snapshot, top, { labels: labelsFor(id, image, ownedByThisProcess) });
    const mounts = await createVolumes(planned, { volumes: deps.volumes, snapshotter: deps.snapshotter, tmpDir: deps.tmpDir, image: top, id, made });
    const record: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      image: { ref: req.image, id: image.id },
      snapshot,
      process: { args: proc.args, env: proc.env, cwd: proc.cwd, ...(proc.user === undefined ? {} : { user: proc.user }) },
      mounts,
      network: withExposed(req.network, config.ExposedPorts),
      ...(req.limits === undefined ? {} : { limits: req.limits }),
      ...(req.security === undefined ? {} : { security: req.security }),
      tty: req.tty,
      interactive: req.interactive,
      autoRemove: req.autoRemove,
      restart: req.restart,
      log: req.log,
      ...(req.runtime === undefined ? {} : { runtime: req.runtime }),
      labels: { ...config.Labels, ...req.labels },
      stopSignal: req.stopSignal ?? (config.StopSignal || 'SIGTERM'),
      stopTimeout: req.stopTimeout ?? 10,
    };
    await deps.records.create(record, CREATED);
    return record;
  } catch (err) {
    for (const v of made) await deps.volumes.remove(v).catch(() => undefined);
    await deps.snapshotter.remove(snapshot).catch(() => undefined);
    await deps.records.remove(id);
    await deps.records.releaseName(name, id);
    throw err;
  }
}

/** Like docker run: an image missing from the local store is pulled first. */
async function resolveImage(images: ImageStore, ref: string): Promise<ImageRecord> {
  try {
    return await images.get(ref);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  try {
    return (await pull(images, ref)).image;
  } catch (err) {
    throw new NotFoundError(`image ${ref}: not in the local store, and pulling it failed: ${(err as Error).message}`, { cause: err });
  }
}

/** Claims the requested name, or a random free one. */
async function claim(records: RecordStore, id: string, requested: string | undefined): Promise<string> {
  if (requested !== undefined) {
    await records.claimName(requested, id);
    return requested;
  }
  for (let attempt = 0; ; attempt++) {
    const name = randomName(attempt);
    try {
      await records.claimName(name, id);
      return name;
    } catch (err) {
      if (!(err instanceof AlreadyExistsError) || attempt > 20) throw err;
    }
  }
}

function optional(r: CreateRequest): { entrypoint?: string; workdir?: string; user?: string } {
  return {
    ...(r.entrypoint === undefined ? {} : { entrypoint: r.entrypoint }),
    ...(r.workdir === undefined ? {} : { workdir: r.workdir }),
    ...(r.user === undefined ? {} : { user: r.user }),
  };
}

/** `-P`: every EXPOSEd port not published already, on a random host port. */
function withExposed(n: NetworkSettings, exposed: Readonly<Record<string, unknown>> | undefined): NetworkSettings {
  if (n.publishAll !== true) return n;
  const have = new Set(n.ports.map((p) => `${p.containerPort}/${p.protocol}`));
  const { publishAll: _done, ...rest } = n;
  return { ...rest, ports: [...n.ports, ...publishAll(exposed).filter((p) => !have.has(`${p.containerPort}/${p.protocol}`))] };
}
