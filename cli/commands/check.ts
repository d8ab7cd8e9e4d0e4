/** `kiln check` (alias `kiln fsck`): verify the root's blobs, snapshots, images and build cache; `--repair` fixes it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { CheckReport, Finding } from '../check-scan.js';
import type { Removal, RepairResult } from '../check-repair.js';
import { workerFor } from './image-cmds.js';

function nameOf(names: readonly string[], manifest: string): string {
  return names.length > 0 ? names.join(', ') : `${manifest} (unnamed)`;
}

/** One line per problem, naming the thing at fault. */
export function describeFinding(f: Finding): string {
  switch (f.kind) {
    case 'blob':
      return `blob ${f.digest}: damaged, its content hashes to ${f.actual}`;
    case 'image':
      return `image ${nameOf(f.names, f.manifest)}: ${f.damage}`;
    case 'snapshot':
      return f.image === undefined
        ? `snapshot ${JSON.stringify(f.key)}: ${f.problem}`
        : `snapshot ${JSON.stringify(f.key)} (${f.image}): missing (${f.problem}), will be re-created from the image's blobs`;
    case 'orphan-dir':
      return `snapshot directory ${f.dir}: no snapshot owns it`;
    case 'record':
      return `build cache record ${f.key}: ${f.problem}`;
    default: {
      const never: never = f;
      throw new Error(`internal: unknown finding ${JSON.stringify(never)}`);
    }
  }
}

/** One line per removal. */
export function describeRemoval(r: Removal): string {
  switch (r.kind) {
    case 'image':
      return r.names.length > 0 ? r.names.map((n) => `removed image name ${n}`).join('\n') : `removed image ${r.manifest} (unnamed)`;
    case 'record':
      return `removed build cache record ${r.key}`;
    case 'snapshot':
      return r.image === undefined ? `removed snapshot ${JSON.stringify(r.key)}` : `removed snapshot ${JSON.stringify(r.key)} (${r.image}; re-created from its blobs when next used)`;
    case 'blob':
      return `removed blob ${r.digest}`;
    case 'orphan-dir':
      return `removed snapshot directory ${r.dir}`;
    default: {
      const never: never = r;
      throw new Error(`internal: unknown removal ${JSON.stringify(never)}`);
    }
  }
}

/** Prints what the scan found and, with `repair`, what was removed; true when the root is (now) sound. */
async function report(ctx: CliContext, scan: CheckReport, repair: (r: CheckReport) => Promise<RepairResult> | undefined): Promise<boolean> {
  for (const f of scan.findings) ctx.stdout(`${describeFinding(f)}\n`);
  const n = scan.findings.length;
  const problems = `${n} problem${n === 1 ? '' : 's'}`;
  if (n === 0) {
    ctx.stdout('no problems found\n');
    return true;
  }
  const repaired = repair(scan);
  if (repaired === undefined) {
    ctx.stdout(`${problems} found; run \`kiln check --repair\` to remove what is damaged and what depends on it\n`);
    return false;
  }
  const result = await repaired;
  for (const r of result.removed) ctx.stdout(`${describeRemoval(r)}\n`);
  for (const f of result.failed) ctx.stderr(`error: could not remove ${f.what}: ${f.reason}\n`);
  if (result.failed.length > 0) return false;
  ctx.stdout(`repaired ${problems}; build or pull again what was removed\n`);
  return true;
}

export function makeCheckCommand(ctx: CliContext): Command {
  return new Command('check')
    .alias('fsck')
    .description('verify every blob, snapshot, image and build cache record; exit 1 when something is damaged')
    .option('--repair', 'remove what is damaged and everything that depends on it')
    .action(async (opts: { repair?: boolean }, cmd: Command) => {
      // Records whose directory is gone are damage this command names and repairs itself.
      const w = await workerFor(cmd, { keepDangling: true });
      const [{ hashBlobs, scanRoot }, { repairRoot }, { JsonFileCacheStore }] = await Promise.all([import('../check-scan.js'), import('../check-repair.js'), import('../../solver/index.js')]);
      const snapshotter = await w.snapshotter();
      // openWorker chose the driver and wrote it down; its directory holds the snapshot table and layers.
      const driver = (await readFile(join(w.root, 'snapshots', 'driver'), 'utf8')).trim();
      const blobs = await hashBlobs(w.content);
      // The rest runs as a collection (cache/lease.ts): no prune and no reuse in between, and
      // what live sessions made since they started is left alone.
      const sound = await w.session.collect(async (live) => {
        const target = {
          content: w.content,
          images: w.images,
          snapshotDir: join(w.root, 'snapshots', driver),
          steps: new JsonFileCacheStore(join(w.root, 'cache', 'steps'), async () => undefined),
          keepNewerThan: live.keepNewerThan,
          snapshotter,
        };
        return report(ctx, await scanRoot(target, blobs), (r) => (opts.repair === true ? repairRoot(target, r) : undefined));
      });
      if (!sound) ctx.setExitCode(1);
    });
}
