/**
 * The SLSA provenance predicate BuildKit attaches (v0.2, the form BuildKit
 * emitted by default; field names from its solver/llbsolver/provenance types):
 * builder, buildType `https://mobyproject.org/buildkit@v1`, materials (base
 * images by digest), invocation (configSource, parameters, environment),
 * buildConfig (max mode) and metadata. Pure: the builder gathers the facts.
 *
 * `mode=min` leaves out build-arg and label values (and marks the parameters
 * incomplete when it dropped any), secret and ssh ids, the build steps and the
 * Dockerfile; `mode=max` has them all. Secret values are never in it.
 * See https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-provenance.md
 */
import { formatPlatform, type Descriptor, type Platform } from '../../oci/index.js';
import type { Digest } from '../../util/digest.js';
import { imagePurl } from './purl.js';

export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
export const BUILDKIT_BUILD_TYPE = 'https://mobyproject.org/buildkit@v1';
export const BUILDKIT_METADATA = 'https://mobyproject.org/buildkit@v1#metadata';

export type ProvenanceMode = 'min' | 'max';

/** An image the build read (FROM, COPY --from, RUN --mount from=), as stored when it was read. */
export interface Material {
  /** Normalized reference. */
  readonly ref: string;
  readonly digest: Digest;
  readonly platform: Platform;
}

/** A mount the build used, by id only. */
export interface MountId {
  readonly id: string;
  readonly optional: boolean;
}

/** One executed step, for max mode's build definition. */
export interface ProvenanceStep {
  /** `step0`, `step1`, … */
  readonly id: string;
  readonly op: Readonly<Record<string, unknown>>;
  /** Ids of the steps whose results it reads (`stepN:0`). */
  readonly inputs: readonly string[];
  /** Dockerfile lines of the instruction (1-based, inclusive). */
  readonly lines?: { readonly start: number; readonly end: number };
  /** The layer it added to the image, when it added one. */
  readonly layer?: Descriptor;
}

export interface ProvenanceInput {
  readonly mode: ProvenanceMode;
  /** `--attest type=provenance,builder-id=…`; BuildKit leaves it empty otherwise. */
  readonly builderId?: string;
  /** The Dockerfile's name as given (`Dockerfile`, `ci/Dockerfile.prod`). */
  readonly filename: string;
  readonly buildArgs: Readonly<Record<string, string | undefined>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly target?: string | undefined;
  readonly noCache: boolean;
  readonly materials: readonly Material[];
  /** The platform kiln ran on. */
  readonly builderPlatform: Platform;
  readonly secrets: readonly MountId[];
  readonly ssh: readonly MountId[];
  readonly invocationId: string;
  readonly startedOn: Date;
  readonly finishedOn: Date;
  readonly reproducible: boolean;
  /** Max mode: the executed steps and the Dockerfile text. */
  readonly steps: readonly ProvenanceStep[];
  readonly dockerfileText: string;
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The frontend options BuildKit records: `build-arg:K`, `label:K`, `target`, `no-cache`. */
function frontendArgs(input: ProvenanceInput): Record<string, string> {
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.buildArgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) if (v !== undefined) args[`build-arg:${k}`] = v;
  for (const [k, v] of Object.entries(input.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) args[`label:${k}`] = v;
  if (input.target !== undefined && input.target !== '') args.target = input.target;
  if (input.noCache) args['no-cache'] = '';
  return args;
}

/** The parameters; min mode drops build args, labels, secrets and ssh (BuildKit's scrubMinRequest). */
function parameters(input: ProvenanceInput): { params: Record<string, unknown>; complete: boolean } {
  let args = frontendArgs(input);
  let complete = true;
  if (input.mode === 'min') {
    const kept = Object.fromEntries(Object.entries(args).filter(([k]) => !k.startsWith('build-arg:') && !k.startsWith('label:')));
    complete = Object.keys(kept).length === Object.keys(args).length;
    args = kept;
  }
  const params: Record<string, unknown> = { frontend: 'dockerfile.v0' };
  if (Object.keys(args).length > 0) params.args = args;
  if (input.mode === 'max' && input.secrets.length > 0) params.secrets = input.secrets.map((s) => ({ id: s.id, ...(s.optional ? { optional: true } : {}) }));
  if (input.mode === 'max' && input.ssh.length > 0) params.ssh = input.ssh.map((s) => ({ id: s.id, ...(s.optional ? { optional: true } : {}) }));
  params.locals = [{ name: 'context' }, { name: 'dockerfile' }];
  return { params, complete };
}

/** BuildKit's `#metadata` extension: in max mode the Dockerfile with each step's lines, and each step's layer. */
function buildkitMetadata(input: ProvenanceInput): Record<string, unknown> {
  if (input.mode !== 'max') return {};
  const locations: Record<string, unknown> = {};
  const layers: Record<string, Descriptor[][]> = {};
  for (const s of input.steps) {
    if (s.lines !== undefined) locations[s.id] = { locations: [{ ranges: [{ start: { line: s.lines.start }, end: { line: s.lines.end } }] }] };
    if (s.layer !== undefined) layers[`${s.id}:0`] = [[{ mediaType: s.layer.mediaType, digest: s.layer.digest, size: s.layer.size }]];
  }
  const source = { locations, infos: [{ filename: input.filename, language: 'Dockerfile', data: Buffer.from(input.dockerfileText).toString('base64') }] };
  return { source, ...(Object.keys(layers).length === 0 ? {} : { layers }) };
}

/** The SLSA v0.2 provenance predicate of one build. */
export function provenancePredicate(input: ProvenanceInput): Record<string, unknown> {
  const { params, complete } = parameters(input);
  const seen = new Set<string>();
  const materials: { uri: string; digest: { sha256: string } }[] = [];
  for (const m of input.materials) {
    const uri = imagePurl(m.ref, m.platform);
    if (seen.has(`${uri}@${m.digest}`)) continue;
    seen.add(`${uri}@${m.digest}`);
    materials.push({ uri, digest: { sha256: m.digest.slice('sha256:'.length) } });
  }
  return {
    builder: { id: input.builderId ?? '' },
    buildType: BUILDKIT_BUILD_TYPE,
    materials,
    invocation: {
      configSource: { entryPoint: input.filename },
      parameters: params,
      environment: { platform: formatPlatform(input.builderPlatform) },
    },
    ...(input.mode === 'max' ? { buildConfig: { llbDefinition: input.steps.map((s) => ({ id: s.id, op: s.op, ...(s.inputs.length === 0 ? {} : { inputs: s.inputs }) })) } } : {}),
    metadata: {
      buildInvocationID: input.invocationId,
      buildStartedOn: rfc3339(input.startedOn),
      buildFinishedOn: rfc3339(input.finishedOn),
      // Materials are incomplete whenever a local context was read (BuildKit's rule): its files are not listed.
      completeness: { parameters: complete, environment: true, materials: false },
      reproducible: input.reproducible,
      [BUILDKIT_METADATA]: buildkitMetadata(input),
    },
  };
}
