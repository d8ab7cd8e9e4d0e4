/** Root maintenance: `kiln prune` and `kiln du` (`kiln system df`). */
import { Command, InvalidArgumentError as UsageError, Option } from 'commander';
import type { CachePolicy } from '../../cache/index.js';
import type { CliContext } from '../context.js';
import { humanSize, table } from '../format.js';
import { parseDuration, parseSize } from '../units.js';
import type { Worker } from '../worker.js';
import { workerFor } from './image-cmds.js';
import { InvalidArgumentError } from '../../util/errors.js';

interface PruneOptions {
  all?: boolean;
  dangling?: boolean;
  filter: string[];
  keepStorage?: string;
  cacheMounts?: boolean;
  force?: boolean;
}

/** `--filter until=24h` → the time before which records count as unused. */
export function cachePolicy(opts: PruneOptions, now = Date.now()): CachePolicy {
  let usedBefore: number | undefined;
  for (const f of opts.filter) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (key !== 'until' || eq < 0) throw new InvalidArgumentError(`prune filter ${JSON.stringify(f)}: expected until=DURATION (e.g. until=24h)`);
    usedBefore = now - parseDuration(f.slice(eq + 1), 'prune filter until');
  }
  return {
    buildCache: true,
    ...(usedBefore === undefined ? {} : { usedBefore }),
    ...(opts.keepStorage === undefined ? {} : { keepBytes: parseSize(opts.keepStorage, '--keep-storage') }),
    ...(opts.cacheMounts === true ? { cacheMounts: true } : {}),
  };
}

/** docker image prune: dangling (unnamed) images, or with `all` every image no container uses. */
async function pruneImages(w: Worker, all: boolean, print: (s: string) => void): Promise<void> {
  const used = new Set<string>();
  await (await w.snapshotter()).walk((s) => {
    const id = s.labels['kiln.image'];
    if (id !== undefined) used.add(id);
  });
  let header = false;
  for (const image of await w.images.list()) {
    if (used.has(image.id) || (!all && image.names.length > 0)) continue;
    if (!header) print('Deleted Images:\n');
    header = true;
    const r = await w.images.remove(image.names[0] ?? image.id, { force: true });
    for (const n of image.names.length > 1 ? image.names.slice(1) : []) await w.images.remove(n, { force: true }).catch(() => undefined);
    for (const u of r.untagged) print(`untagged: ${u}\n`);
    print(`deleted: ${image.id}\n`);
  }
}

export function makePruneCommand(ctx: CliContext): Command {
  return new Command('prune')
    .description('remove build cache and data nothing references (never what a running kiln uses; containers: kiln container prune)')
    .option('-a, --all', 'also remove every image no container uses (implies --dangling)')
    .option('--dangling', 'also remove dangling (unnamed) images')
    .option('--filter <filter>', 'only build cache (and cache mounts) last used before: until=DURATION', (v: string, p: string[]) => [...p, usage(() => cachePolicy({ filter: [v] }), v)], [] as string[])
    .option('--keep-storage <size>', 'remove least recently used build cache only until it is at most SIZE (e.g. 10GB)', (v: string) => usage(() => parseSize(v, '--keep-storage'), v))
    .option('--cache-mounts', 'also remove RUN --mount=type=cache directories no running build uses')
    .option('-f, --force', 'do not ask for confirmation')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: PruneOptions & { format: 'text' | 'json' }, cmd: Command) => {
      const policy = cachePolicy(opts);
      if (opts.force !== true && process.stdin.isTTY === true && !(await confirm(ctx))) return;
      const w = await workerFor(cmd);
      if (opts.all === true || opts.dangling === true) await pruneImages(w, opts.all === true, opts.format === 'json' ? () => undefined : ctx.stdout);
      const { collect } = await import('../../cache/index.js');
      const { gcSources } = await import('../gc-sources.js');
      const { result } = await collect(w.session, await gcSources(w), policy);
      if (opts.format === 'json') {
        ctx.stdout(`${JSON.stringify(result)}\n`);
        return;
      }
      ctx.stdout(
        `Deleted ${result.records} build cache records, ${result.snapshots} snapshots, ${result.blobs} blobs` +
          `${policy.cacheMounts === true ? `, ${result.cacheMounts} cache mounts` : ''}\nTotal reclaimed space: ${humanSize(result.bytes)}\n`,
      );
    });
}

/** Checks a flag's value when commander parses it, so a bad one is a usage error (exit 2). */
function usage(check: () => unknown, value: string): string {
  try {
    check();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return value;
}

async function confirm(ctx: CliContext): Promise<boolean> {
  ctx.stderr('WARNING! This removes the build cache and unreferenced data.\nAre you sure you want to continue? [y/N] ');
  const answer = await new Promise<string>((resolve) => {
    process.stdin.once('data', (d) => resolve(String(d)));
  });
  process.stdin.pause();
  return /^y(es)?$/i.test(answer.trim());
}

export function makeDuCommand(ctx: CliContext, name = 'du'): Command {
  return new Command(name)
    .description('show disk use by kind and what kiln prune would free')
    .option('-v, --verbose', 'list images and build cache records')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { format: 'table' | 'json'; verbose?: boolean }, cmd: Command) => {
      const w = await workerFor(cmd);
      const { diskUsage } = await import('../disk-usage.js');
      const du = await diskUsage(w);
      if (opts.format === 'json') {
        ctx.stdout(`${JSON.stringify({ root: w.root, ...du }, null, 2)}\n`);
        return;
      }
      ctx.stdout(`root: ${w.root}\n`);
      ctx.stdout(table(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], du.kinds.map((k) => [k.kind, String(k.count), String(k.active), humanSize(k.size), humanSize(k.reclaimable)])));
      ctx.stdout(`\nkiln prune would free ${humanSize(du.reclaimable)}\n`);
      if (opts.verbose !== true) return;
      ctx.stdout('\nImages:\n');
      ctx.stdout(table(['IMAGE ID', 'NAMES', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE'], du.images.map((i) => [i.id.slice(7, 19), i.names.join(',') || '<none>', humanSize(i.size), humanSize(i.shared), humanSize(i.unique)])));
      ctx.stdout('\nBuild cache:\n');
      ctx.stdout(table(['ID', 'SIZE', 'LAST USED', 'SHARED', 'IN USE', 'RECLAIMABLE'], du.cache.map((c) => [c.id, humanSize(c.size), new Date(c.lastUsed).toISOString(), String(c.shared), String(c.inUse), String(c.reclaimable)])));
    });
}
