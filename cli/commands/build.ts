/**
 * `kiln build`: builds a Dockerfile like `docker build` (BuildKit), stores
 * the image under every `-t`, and writes any `--output`.
 */
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { parseBuildArg, parseLabel, parseOutput, buildPlatform, readSecret } from '../build-options.js';
import { workerFor } from './image-cmds.js';
import type { BuildRequest } from '../../frontend/index.js';
import { STDOUT_DEST, type BuildOutput } from '../../frontend/options.js';
import { InvalidArgumentError } from '../../util/errors.js';
import type { RenderMode } from '../render/index.js';
import { parseCacheFrom, parseCacheTo, type CacheFromSpec, type CacheToSpec } from '../../remotecache/spec.js';
import type { RunExtras } from '../../frontend/index.js';
import type { BuildInput } from '../build-input.js';
import { addBuildxOptions, checkBuildxFlags, parseAnnotations, parseBuildContexts, type AttestRequest, type BuildxFlags } from '../buildx-flags.js';

interface BuildFlags extends BuildxFlags {
  file?: string;
  tag: string[];
  buildArg: Record<string, string | undefined>;
  target?: string;
  cache: boolean;
  progress: RenderMode;
  quiet?: boolean;
  network: 'default' | 'none' | 'host';
  output: BuildOutput[];
  push?: boolean;
  pull?: boolean;
  label: Record<string, string>;
  iidfile?: string;
  platform?: string;
  dryRun?: boolean;
  secret: string[];
  maxParallelism?: number;
  cacheFrom: CacheFromSpec[];
  cacheTo: CacheToSpec[];
  /** What checkBuildxFlags made of --provenance, --sbom and --attest. */
  attestations?: AttestRequest;
}

export function makeBuildCommand(ctx: CliContext): Command {
  return addBuildxOptions(new Command('build'))
    .description('build an image from a Dockerfile')
    .argument('<context>', 'the build context: a directory, or - (a tar or a Dockerfile on stdin)')
    .option('-f, --file <file>', 'the Dockerfile (default: CONTEXT/Dockerfile; - reads it from stdin)')
    .option('-t, --tag <name>', 'name the image (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--build-arg <K=V>', 'set a build-time variable (K alone: from the environment)', (v: string, p: Record<string, string | undefined>) => parseBuildArg(v, p), {})
    .option('--target <stage>', 'build this stage and what it needs')
    .option('--no-cache', 'do not use the build cache')
    .addOption(new Option('--progress <mode>', 'progress output').choices(['auto', 'plain', 'tty', 'json', 'rawjson', 'quiet']).default('auto'))
    .option('-q, --quiet', 'print only the image id (same as --progress quiet)')
    .addOption(new Option('--network <mode>', 'network for RUN steps').choices(['default', 'none', 'host']).default('default'))
    .option('-o, --output <spec>', 'type=image|oci|docker|tar|local,dest=PATH (repeatable)', (v: string, p: BuildOutput[]) => [...p, parseOutput(v)], [])
    .option('--push', 'push the image to the registry of every -t name')
    .option('--pull', 'check the registry for a newer base image')
    .option('--label <K=V>', 'set an image label (repeatable)', (v: string, p: Record<string, string>) => parseLabel(v, p), {})
    .option('--iidfile <file>', 'write the image id to this file')
    .option('--platform <os/arch>', 'target platform (only the host platform is supported)')
    .option('--dry-run', 'print the build graph without running it')
    .option('--secret <spec>', 'id=ID[,src=FILE|env=VAR]: a secret for RUN --mount=type=secret (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--max-parallelism <n>', 'how many steps may run at once (default: the CPU count)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--max-parallelism: expected a positive integer, got ${JSON.stringify(v)}`);
      return n;
    })
    .option('--cache-from <spec>', 'import build cache: type=local,src=DIR or type=registry,ref=REF (repeatable)', (v: string, p: CacheFromSpec[]) => [...p, parseCacheFrom(v)], [])
    .option('--cache-to <spec>', 'export build cache: type=local,dest=DIR or type=registry,ref=REF, with mode=min|max (repeatable)', (v: string, p: CacheToSpec[]) => [...p, parseCacheTo(v)], [])
    .action(async (contextArg: string, flags: BuildFlags, cmd: Command) => {
      ctx.setExitCode(await runBuild(ctx, contextArg, flags, cmd));
    });
}

/** `-o` outputs plus `--load` (the local store, which is also the default without -o); at most one on stdout. */
function outputsOf(flags: BuildFlags): BuildOutput[] {
  if (flags.output.filter((o) => o.type !== 'image' && o.dest === STDOUT_DEST).length > 1) throw new InvalidArgumentError('--output: only one output can go to stdout (dest=-)');
  return flags.load === true && !flags.output.some((o) => o.type === 'image') && flags.output.length > 0 ? [{ type: 'image' }, ...flags.output] : flags.output;
}

/** `--add-host`, `--shm-size`, `--ulimit`, checked before anything runs. */
async function runExtrasOf(flags: BuildxFlags): Promise<RunExtras> {
  const { parseAddHost, parseShmSize, parseUlimit, hostLimits } = await import('../buildx-run-flags.js');
  const host = flags.ulimit.length === 0 ? undefined : hostLimits();
  return {
    ...(flags.addHost.length === 0 ? {} : { extraHosts: flags.addHost.map(parseAddHost) }),
    ...(flags.shmSize === undefined ? {} : { shmSize: parseShmSize(flags.shmSize) }),
    ...(host === undefined ? {} : { rlimits: flags.ulimit.map((u) => parseUlimit(u, host)) }),
  };
}

async function runBuild(ctx: CliContext, contextArg: string, flags: BuildFlags, cmd: Command): Promise<number> {
  const attest = checkBuildxFlags(flags, (m) => ctx.stderr(`warning: ${m}\n`));
  flags.attestations = attest;
  if (flags.output.some((o) => o.type === 'image' && o.push === true)) flags.push = true;
  if (flags.push === true && flags.tag.length === 0) throw new InvalidArgumentError('--push needs at least one -t NAME to push to');
  const { buildInput } = await import('../build-input.js');
  const input = await buildInput(contextArg, flags.file, process.stdin);
  try {
    const ssh = flags.ssh.length === 0 ? undefined : await (await import('../build-ssh.js')).sshAgents(flags.ssh);
    try {
      return await buildFrom(ctx, input, flags, cmd, ssh?.agents);
    } finally {
      await ssh?.close();
    }
  } finally {
    await input.cleanup();
  }
}

async function buildFrom(ctx: CliContext, input: BuildInput, flags: BuildFlags, cmd: Command, sshAgents: ReadonlyMap<string, string> | undefined): Promise<number> {
  const { contextDir, dockerfilePath, filename, text } = input;
  ctx.addSource(filename, text);
  const { hostPlatform } = await import('../../oci/index.js');
  const platform = buildPlatform(flags.platform, hostPlatform());
  const sde = process.env.SOURCE_DATE_EPOCH;
  const request: BuildRequest = {
    contextDir,
    dockerfile: { filename, text, path: dockerfilePath },
    buildArgs: flags.buildArg,
    target: flags.target,
    labels: flags.label,
    network: flags.network === 'none' ? 'none' : 'host',
    secrets: new Map(await Promise.all(flags.secret.map((s) => readSecret(s)))),
    runExtras: await runExtrasOf(flags),
    ...(sshAgents === undefined ? {} : { sshAgents }),
    platform,
    noCache: !flags.cache,
    pull: flags.pull === true,
    env: process.env,
    tags: flags.tag,
    outputs: outputsOf(flags),
    push: flags.push === true,
    cacheFrom: flags.cacheFrom,
    cacheTo: flags.cacheTo,
    sourceDateEpoch: sde !== undefined && /^\d+$/.test(sde) ? Number(sde) : undefined,
    noCacheFilter: flags.cacheFilter,
    annotations: parseAnnotations(flags.annotation),
    contexts: parseBuildContexts(flags.buildContext),
    ...(flags.maxParallelism === undefined ? {} : { maxParallelism: flags.maxParallelism }),
    ...(flags.attestations === undefined || Object.keys(flags.attestations).length === 0 ? {} : { attest: flags.attestations }),
  };
  const w = await workerFor(cmd, { containers: false });
  if (flags.dryRun === true) {
    const [{ plan }, { openBuildWorker }] = await Promise.all([import('../../frontend/index.js'), import('../worker.js')]);
    const p = await plan(request, await openBuildWorker(w));
    // One write: a plan of 100,000 steps line by line spends more time in write(2) than in planning.
    const lines: string[] = [];
    for (const s of p.stages) {
      lines.push(`stage ${s.displayName || s.index} (from ${s.base.kind === 'image' ? s.base.ref : s.base.kind === 'stage' ? `stage ${s.base.index}` : 'scratch'})\n`);
      for (const step of s.steps) lines.push(`  ${step.kind === 'config' ? `${step.createdBy ?? step.instruction} (config)` : step.name}\n`);
    }
    ctx.stdout(lines.join(''));
    return 0;
  }
  const { runWithProgress } = await import('../build-run.js');
  return runWithProgress(ctx, w, request, flags);
}
