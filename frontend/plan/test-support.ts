/** Helpers shared by this folder's tests (not part of the public surface). */
import { DockerfileSyntaxError, parse, parseStages } from '../../parser/index.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../../store/index.js';
import type { Digest } from '../../util/digest.js';
import { NotFoundError } from '../../util/errors.js';
import { planBuild } from './plan.js';
import type { BuildPlan, ImageResolver, PlanInput, PlannedStage, RunStep, CopyStep, Step } from './types.js';

/** An image config as a store would hold it. */
export function imageConfig(container: ContainerConfig = {}, history: HistoryEntry[] = [{ created_by: 'base layer' }]): ImageConfig {
  return {
    created: '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: container,
    rootfs: { type: 'layers', diff_ids: [`sha256:${'1'.repeat(64)}` as Digest] },
    history,
  };
}

/** `alpine` → `docker.io/library/alpine:latest` (enough of Docker's normalization for tests). */
export function normalize(name: string): string {
  const withRepo = name.includes('/') ? name : `docker.io/library/${name}`;
  return /:[^/]+$/.test(withRepo) ? withRepo : `${withRepo}:latest`;
}

/** A resolver over fixed images, keyed by normalized name; it records what it was asked. */
export function fakeResolver(images: Record<string, ImageConfig>, asked: string[] = []): ImageResolver {
  return async (ref) => {
    asked.push(ref);
    const norm = normalize(ref);
    const config = images[norm];
    if (config === undefined) throw new NotFoundError(`image ${ref}: not found in the local store`);
    return { ref: norm, config };
  };
}

/** The default images tests build on. */
export const defaultImages: Record<string, ImageConfig> = {
  'docker.io/library/alpine:latest': imageConfig({ Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] }),
  'docker.io/library/golang:latest': imageConfig({ Env: ['PATH=/go/bin:/usr/local/go/bin:/usr/bin:/bin', 'GOPATH=/go'], WorkingDir: '/go' }),
};

/** Options tests vary. */
export type TestOptions = Partial<Omit<PlanInput, 'df' | 'stages' | 'filename'>> & { images?: Record<string, ImageConfig> };

/** Plans `text` (filename `Dockerfile`, platform linux/amd64). */
export async function planOf(text: string, opts: TestOptions = {}): Promise<BuildPlan> {
  const df = parse(text, { filename: 'Dockerfile' });
  const { images, ...rest } = opts;
  return planBuild({
    df, stages: parseStages(df), filename: 'Dockerfile', buildArgs: {}, platform: { os: 'linux', architecture: 'amd64' },
    resolveImage: fakeResolver(images ?? defaultImages), ...rest,
  });
}

/** `line:column detail` of the DockerfileSyntaxError planning `text` raises, or `no error`. */
export async function failureOf(text: string, opts: TestOptions = {}): Promise<string> {
  try {
    await planOf(text, opts);
  } catch (err) {
    if (!(err instanceof DockerfileSyntaxError)) throw err;
    if (err.filename !== 'Dockerfile') throw new Error(`wrong filename ${err.filename}`);
    return `${err.range.start.line}:${err.range.start.column} ${err.detail}`;
  }
  return 'no error';
}

/** The target stage of a plan. */
export function targetOf(plan: BuildPlan): PlannedStage {
  const stage = plan.stages.find((s) => s.index === plan.target);
  if (stage === undefined) throw new Error('no target stage');
  return stage;
}

/** The steps of one kind. */
export function stepsOf<K extends Step['kind']>(stage: PlannedStage, kind: K): Extract<Step, { kind: K }>[] {
  return stage.steps.filter((s): s is Extract<Step, { kind: K }> => s.kind === kind);
}

/** The only RUN of the target stage. */
export async function runOf(text: string, opts: TestOptions = {}): Promise<RunStep> {
  const runs = stepsOf(targetOf(await planOf(text, opts)), 'run');
  if (runs.length !== 1 || runs[0] === undefined) throw new Error(`expected one RUN, got ${runs.length}`);
  return runs[0];
}

/** The only COPY/ADD of the target stage. */
export async function copyOf(text: string, opts: TestOptions = {}): Promise<CopyStep> {
  const copies = stepsOf(targetOf(await planOf(text, opts)), 'copy');
  if (copies.length !== 1 || copies[0] === undefined) throw new Error(`expected one COPY, got ${copies.length}`);
  return copies[0];
}

/** The target stage's history `created_by` texts after the base image's. */
export function newHistory(stage: PlannedStage, baseEntries = 0): string[] {
  return (stage.config.history ?? []).slice(baseEntries).map((h) => `${h.empty_layer === true ? '(empty) ' : ''}${h.created_by ?? ''}`);
}
