/**
 * `kiln build`: builds a Dockerfile like `docker build` (BuildKit), stores
 * the image under every `-t`, and writes any `--output`.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { parseBuildArg, parseLabel, parseOutput, buildPlatform, readSecret, type BuildOutput } from '../build-options.js';
import { rootOf, workerFor } from './image-cmds.js';
import { readDockerfile } from '../dockerfile-read.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import type { RenderMode } from '../render/index.js';
import { parseCacheFrom, parseCacheTo, type CacheFromSpec, type CacheToSpec } from '../../remotecache/index.js';
import { ifExists } from '../../util/if-exists.js';

interface BuildFlags {
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
}

export function makeBuildCommand(ctx: CliContext): Command {
  return new Command('build')
    .description('build an image from a Dockerfile')
    .argument('<context>', 'the build context directory')
    .option('-f, --file <file>', 'the Dockerfile (default: CONTEXT/Dockerfile)')
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

async function runBuild(ctx: CliContext, contextArg: string, flags: BuildFlags, cmd: Command): Promise<number> {
  if (flags.push === true && flags.tag.length === 0) throw new InvalidArgumentError('--push needs at least one -t NAME to push to');
  const contextDir = resolve(contextArg);
  const st = await ifExists(stat(contextDir)).catch((err: unknown) => {
    throw new FailedPreconditionError(`build context ${contextArg}: cannot stat it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  });
  if (st === undefined) throw new NotFoundError(`build context ${contextArg}: no such directory`);
  if (!st.isDirectory()) throw new InvalidArgumentError(`build context ${contextArg}: not a directory`);
  const dockerfilePath = flags.file === undefined ? join(contextDir, 'Dockerfile') : isAbsolute(flags.file) ? flags.file : resolve(flags.file);
  const dockerfileName = flags.file ?? join(contextArg, 'Dockerfile');
  const text = await readDockerfile(dockerfilePath, dockerfileName);
  const filename = flags.file ?? 'Dockerfile';
  ctx.addSource(filename, text);
  const { hostPlatform } = await import('../../oci/index.js');
  const platform = buildPlatform(flags.platform, hostPlatform());
  const w = await workerFor(cmd);
  const { buildEnv } = await import('../build-env.js');
  const sde = process.env.SOURCE_DATE_EPOCH;
  const env = await buildEnv(w, {
    contextDir,
    dockerfilePath,
    runtime: (cmd.optsWithGlobals() as { runtime?: string }).runtime,
    network: flags.network === 'none' ? 'none' : 'host',
    sourceDateEpoch: sde !== undefined && /^\d+$/.test(sde) ? Number(sde) : undefined,
    secrets: new Map(await Promise.all(flags.secret.map((s) => readSecret(s)))),
  });
  const request = { dockerfile: { filename, text }, buildArgs: flags.buildArg, target: flags.target, labels: flags.label, noCache: !flags.cache, platform, env: process.env, cacheFrom: flags.cacheFrom, cacheTo: flags.cacheTo, pull: flags.pull === true, ...(flags.maxParallelism === undefined ? {} : { maxParallelism: flags.maxParallelism }) };
  const fb = await import('../../frontend/index.js');
  if (flags.dryRun === true) {
    const p = await fb.plan(env, request);
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
  return runWithProgress(ctx, w, env, request, { ...flags, push: flags.push === true, rootOption: rootOf(cmd) });
}
