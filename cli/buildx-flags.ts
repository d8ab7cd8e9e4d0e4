/**
 * The flags of `docker buildx build` that kiln's own build flags do not
 * already cover, so a CI job's command line runs unchanged. Each one is
 * either done, or refused with a message saying why; none is silently
 * dropped except `--builder` (a warning: kiln has no builder instances).
 * See https://docs.docker.com/reference/cli/docker/buildx/build/
 */
import type { Command } from 'commander';
import { InvalidArgumentError, NotImplementedError } from '../util/errors.js';
import type { AttestRequest } from '../frontend/index.js';

/** The buildx flags as commander collects them. */
export interface BuildxFlags {
  load?: boolean;
  provenance?: string;
  sbom?: string;
  attest: string[];
  builder?: string;
  allow: string[];
  call?: string;
  check?: boolean;
  cgroupParent?: string;
  metadataFile?: string;
  annotation: string[];
  addHost: string[];
  shmSize?: string;
  ulimit: string[];
  /** `--no-cache-filter` (commander names it after the negated flag). */
  cacheFilter: string[];
  buildContext: string[];
  ssh: string[];
}

const many = (v: string, p: string[]): string[] => [...p, v];

/** Adds buildx's flags to `kiln build`. */
export function addBuildxOptions(cmd: Command): Command {
  return cmd
    .option('--load', 'store the image in the local image store (the default)')
    .option('--provenance <value>', 'provenance attestation: false (the default), true or mode=min|max')
    .option('--sbom <value>', 'SBOM attestation: false (the default) or true')
    .option('--attest <spec>', 'attestation: type=provenance|sbom[,mode=…][,disabled=true] (repeatable)', many, [])
    .option('--builder <name>', 'ignored: kiln has no builder instances')
    .option('--allow <entitlement>', 'allow an entitlement: network.host (repeatable)', many, [])
    .option('--call <method>', 'how to evaluate the build: build (the default)')
    .option('--check', 'same as --call=check')
    .option('--cgroup-parent <path>', 'parent cgroup of RUN steps')
    .option('--metadata-file <file>', 'write the build result metadata (JSON) to this file')
    .option('--annotation <K=V>', 'add an annotation to the image manifest ([manifest:]K=V, repeatable)', many, [])
    .option('--add-host <host:ip>', 'add a host-to-IP mapping to RUN steps\' /etc/hosts (repeatable)', many, [])
    .option('--shm-size <bytes>', 'size of /dev/shm in RUN steps (e.g. 128m)')
    .option('--ulimit <type=soft[:hard]>', 'resource limit of RUN steps, e.g. nofile=1024:1024 (repeatable)', many, [])
    .option('--no-cache-filter <stage>', 'do not use the cache for this stage (repeatable)', many, [])
    .option('--build-context <name=value>', 'additional build context: name=DIR|docker-image://REF|oci-layout://DIR[:tag]|target:STAGE (repeatable)', many, [])
    .option('--ssh <spec>', 'SSH agent socket or keys for RUN --mount=type=ssh: default|ID[=SOCKET|KEY] (repeatable)', many, []);
}

/** The attestations kiln is asked to attach (the builder's request type). */
export type { AttestRequest };

/** Checks the flags kiln cannot honour and the attestations asked for; `warn` prints one warning line. */
export function checkBuildxFlags(flags: BuildxFlags, warn: (message: string) => void): AttestRequest {
  if (flags.builder !== undefined) warn(`--builder ${flags.builder} is ignored: kiln builds in its own process, with no builder instances`);
  for (const e of flags.allow) checkEntitlement(e);
  const call = flags.check === true ? 'check' : flags.call ?? 'build';
  if (call !== 'build') {
    if (call === 'check' || call === 'outline' || call === 'targets') throw new NotImplementedError(`kiln build --call ${call}${flags.check === true ? ' (--check)' : ''}`);
    throw new InvalidArgumentError(`invalid --call ${JSON.stringify(call)}: expected build, check, outline or targets`);
  }
  if (flags.cgroupParent !== undefined) throw new NotImplementedError('kiln build --cgroup-parent');
  return attestations(flags);
}

/** The entitlements of `--allow`: kiln's RUN steps may already use the host network; nothing else is granted. */
function checkEntitlement(e: string): void {
  if (e === 'network.host') return;
  if (e === 'security.insecure' || e.startsWith('device')) {
    throw new InvalidArgumentError(`--allow ${e}: kiln does not grant this entitlement (RUN steps always run with the default capabilities and no devices)`);
  }
  throw new InvalidArgumentError(`invalid --allow ${JSON.stringify(e)}: expected network.host (kiln grants no other entitlement)`);
}

/** `--provenance`, `--sbom` and `--attest` folded together (a later flag wins, as buildx). */
function attestations(flags: BuildxFlags): AttestRequest {
  let provenance: { mode: 'min' | 'max'; builderId?: string; reproducible?: boolean } | undefined;
  let sbom: boolean | undefined;
  const specs: string[] = [...flags.attest];
  if (flags.provenance !== undefined) specs.push(`type=provenance,${boolOrFields('--provenance', flags.provenance)}`);
  if (flags.sbom !== undefined) specs.push(`type=sbom,${boolOrFields('--sbom', flags.sbom)}`);
  for (const spec of specs) {
    const f = csvFields('--attest', spec);
    const disabled = f.get('disabled');
    if (disabled !== undefined && disabled !== 'true' && disabled !== 'false') throw new InvalidArgumentError(`invalid --attest ${JSON.stringify(spec)}: disabled must be true or false`);
    const on = disabled !== 'true';
    switch (f.get('type')) {
      case 'provenance': {
        // BuildKit takes `full` for `max`.
        const given = f.get('mode') ?? 'min';
        const mode = given === 'full' ? 'max' : given;
        if (mode !== 'min' && mode !== 'max') throw new InvalidArgumentError(`invalid provenance mode ${JSON.stringify(given)}: expected min or max`);
        const version = f.get('version');
        if (version === 'v1') throw new NotImplementedError('--attest type=provenance,version=v1 (kiln writes SLSA provenance v0.2)');
        if (version !== undefined && version !== 'v0.2') throw new InvalidArgumentError(`invalid provenance version ${JSON.stringify(version)}: expected v0.2 or v1`);
        const reproducible = f.get('reproducible');
        if (reproducible !== undefined && reproducible !== 'true' && reproducible !== 'false') throw new InvalidArgumentError(`invalid --attest ${JSON.stringify(spec)}: reproducible must be true or false`);
        const builderId = f.get('builder-id');
        provenance = on ? { mode, ...(builderId === undefined ? {} : { builderId }), ...(reproducible === undefined ? {} : { reproducible: reproducible === 'true' }) } : undefined;
        break;
      }
      case 'sbom':
        if (f.has('generator')) throw new NotImplementedError('--attest type=sbom,generator=… (kiln reads the rootfs package databases itself)');
        for (const k of ['scan-stage', 'scan-context']) if (f.get(k) === 'true') throw new NotImplementedError(`--attest type=sbom,${k}=true (kiln scans the final image's rootfs only)`);
        sbom = on;
        break;
      default:
        throw new InvalidArgumentError(`invalid --attest ${JSON.stringify(spec)}: type must be provenance or sbom`);
    }
  }
  return { ...(provenance === undefined ? {} : { provenance }), ...(sbom === true ? { sbom } : {}) };
}

/** `true`/`false`/`1`/`0` as buildx reads them, or the fields of a CSV. */
function boolOrFields(flag: string, v: string): string {
  const b = v.toLowerCase();
  if (b === 'true' || b === '1') return 'disabled=false';
  if (b === 'false' || b === '0') return 'disabled=true';
  if (!v.includes('=')) throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(v)}: expected true, false or key=value pairs`);
  return v;
}

/**
 * `--annotation [TYPE[PLATFORM]:]KEY=VALUE`. kiln annotates the image
 * manifest only (`manifest`, buildx's default type); an index exists only to
 * carry attestations, and takes no annotations.
 */
export function parseAnnotations(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const m = /^(?:([a-z-]+)(?:\[([^\]]*)\])?:)?([^=:]+)=(.*)$/s.exec(spec);
    if (m === null) throw new InvalidArgumentError(`invalid --annotation ${JSON.stringify(spec)}: expected [manifest:]KEY=VALUE`);
    const [, type = 'manifest', , key = '', value = ''] = m;
    if (type === 'index' || type === 'index-descriptor' || type === 'manifest-descriptor') {
      throw new NotImplementedError(`--annotation ${type}:… (kiln annotates the image manifest only; use manifest:)`);
    }
    if (type !== 'manifest') throw new InvalidArgumentError(`invalid --annotation ${JSON.stringify(spec)}: unknown type ${JSON.stringify(type)} (expected manifest, index, manifest-descriptor or index-descriptor)`);
    out[key] = value;
  }
  return out;
}

export { parseBuildContexts } from './build-contexts.js';

/** `k=v,k=v` (buildx's CSV options). */
export function csvFields(flag: string, spec: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`invalid ${flag} ${JSON.stringify(spec)}: expected key=value pairs, got ${JSON.stringify(part)}`);
    out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}
