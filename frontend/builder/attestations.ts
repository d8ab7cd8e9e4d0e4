/**
 * `--provenance` and `--sbom`: the statements about the built image and the
 * index that attaches them (BuildKit's attestation storage). The provenance
 * comes from the request, the plan and the solve; the SBOM from the package
 * databases of the final rootfs, read through the root-confined resolver.
 */
import { randomUUID } from 'node:crypto';
import type { BuildPlan, PlannedStage, RunMount, SourceRef, Step } from '../plan/index.js';
import { contentSink, MediaType, writeAttestedIndex, type Descriptor, type ImageConfig, type Platform, type StatementBlob } from '../../store/index.js';
import type { Digest } from '../../util/digest.js';
import { imageSubjects, osReleaseId, provenancePredicate, readInRoot, scanPackages, spdxDocument, statement, SLSA_PROVENANCE_V02, SPDX_PREDICATE_TYPE, type Material, type MountId, type ProvenanceStep } from '../attest/index.js';
import type { StepResult } from './result.js';
import type { BuildScope } from './scope.js';
import type { Solution } from './solve.js';
import { viewOf } from './views.js';

/** When the build ran, for the provenance. */
export interface BuildTimes {
  readonly startedOn: Date;
  readonly finishedOn: Date;
}

/**
 * Writes the requested attestations of `solution`'s image named `names` and
 * the index holding both; returns the index, or undefined when none was asked for.
 */
export async function attestImage(scope: BuildScope, solution: Solution, names: readonly string[], times: BuildTimes): Promise<Descriptor | undefined> {
  const want = scope.request.attest;
  if (want?.provenance === undefined && want?.sbom !== true) return undefined;
  const { images, content } = scope.worker;
  const config = JSON.parse((await content.readAll(solution.imageId as Digest)).toString('utf8')) as ImageConfig;
  const platform: Platform = { architecture: config.architecture, os: config.os, ...(config.variant === undefined ? {} : { variant: config.variant }) };
  const subjects = imageSubjects(names, solution.manifest.digest, platform);
  const statements: StatementBlob[] = [];
  if (want.provenance !== undefined) {
    const predicate = provenancePredicate({
      mode: want.provenance.mode,
      ...(want.provenance.builderId === undefined ? {} : { builderId: want.provenance.builderId }),
      filename: scope.request.dockerfile.filename,
      buildArgs: scope.request.buildArgs,
      labels: scope.request.labels ?? {},
      target: scope.request.target,
      noCache: scope.request.noCache,
      materials: await materials(scope, solution.plan),
      builderPlatform: scope.request.platform ?? platform,
      ...mountIds(solution.plan),
      invocationId: randomUUID(),
      startedOn: times.startedOn,
      finishedOn: times.finishedOn,
      reproducible: want.provenance.reproducible ?? false,
      steps: want.provenance.mode === 'max' ? provenanceSteps(solution.plan, solution.steps) : [],
      dockerfileText: scope.request.dockerfile.text,
    });
    statements.push(statement(SLSA_PROVENANCE_V02, predicate, subjects));
  }
  if (want.sbom === true) statements.push(statement(SPDX_PREDICATE_TYPE, await sbom(scope, solution, names, times), subjects));
  return writeAttestedIndex(contentSink(images.content), solution.manifest, platform, statements);
}

/** The SPDX document of the final rootfs. */
async function sbom(scope: BuildScope, solution: Solution, names: readonly string[], times: BuildTimes): Promise<Record<string, unknown>> {
  const view = await viewOf(scope.worker, solution.rootfs.snapshot);
  try {
    const packages = await scanPackages(view.path);
    const distro = osReleaseId((await readInRoot(view.path, '/etc/os-release', 1 << 16)) ?? (await readInRoot(view.path, '/usr/lib/os-release', 1 << 16)));
    const sde = scope.request.sourceDateEpoch;
    return spdxDocument({ name: names[0] ?? solution.imageId, packages, distro, created: sde === undefined ? times.finishedOn : new Date(sde * 1000), tool: 'kiln' });
  } finally {
    await view.release();
  }
}

/** Every image the plan reads (FROM, COPY --from, RUN --mount from=), as the local store holds it. */
async function materials(scope: BuildScope, plan: BuildPlan): Promise<Material[]> {
  const refs = new Map<string, Platform>();
  const add = (from: SourceRef, stage: PlannedStage): void => {
    if (from.kind === 'image' && !refs.has(from.ref)) refs.set(from.ref, stage.platform);
  };
  for (const stage of plan.stages) {
    if (stage.base.kind === 'image' && !refs.has(stage.base.ref)) refs.set(stage.base.ref, stage.platform);
    for (const step of stage.steps) {
      if (step.kind === 'copy') add(step.from, stage);
      if (step.kind === 'run') for (const m of step.mounts) if (m.type === 'bind' || m.type === 'cache') add(m.from, stage);
    }
  }
  const out: Material[] = [];
  for (const [ref, platform] of refs) {
    const image = await scope.worker.images.get(ref);
    out.push({ ref, digest: (image.index ?? image.manifest).digest, platform });
  }
  return out;
}

/** The secret and ssh mounts of RUN steps, by id (never a value). */
function mountIds(plan: BuildPlan): { secrets: MountId[]; ssh: MountId[] } {
  const secrets = new Map<string, MountId>();
  const ssh = new Map<string, MountId>();
  const note = (m: RunMount): void => {
    if (m.type !== 'secret' && m.type !== 'ssh') return;
    const into = m.type === 'secret' ? secrets : ssh;
    const optional = !m.required && (into.get(m.id)?.optional ?? true);
    into.set(m.id, { id: m.id, optional });
  };
  for (const stage of plan.stages) for (const step of stage.steps) if (step.kind === 'run') step.mounts.forEach(note);
  const sorted = (m: Map<string, MountId>): MountId[] => [...m.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return { secrets: sorted(secrets), ssh: sorted(ssh) };
}

/** Max mode's build definition: one step per base image and executed instruction, each naming the step it builds on. */
function provenanceSteps(plan: BuildPlan, results: ReadonlyMap<Step, StepResult>): ProvenanceStep[] {
  const out: ProvenanceStep[] = [];
  const lastOfStage = new Map<number, string>();
  for (const stage of plan.stages) {
    let prev: string | undefined;
    if (stage.base.kind === 'image') {
      prev = `step${out.length}`;
      out.push({ id: prev, op: { source: { identifier: `docker-image://${stage.base.ref}` } }, inputs: [] });
    } else if (stage.base.kind === 'stage') {
      prev = lastOfStage.get(stage.base.index);
    }
    for (const step of stage.steps) {
      if (step.kind === 'config') continue;
      const id = `step${out.length}`;
      const layer = results.get(step)?.layer;
      out.push({
        id,
        op: step.definition,
        inputs: prev === undefined ? [] : [`${prev}:0`],
        lines: { start: step.range.start.line, end: step.range.end.line },
        ...(layer === undefined ? {} : { layer: { mediaType: MediaType.layer, digest: layer.diffID, size: layer.size } }),
      });
      prev = id;
    }
    if (prev !== undefined) lastOfStage.set(stage.index, prev);
  }
  return out;
}
