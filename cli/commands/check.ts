/** `kiln check` (alias `kiln fsck`): verify the root's blobs, snapshots, images and build cache; `--repair` fixes it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Finding } from '../check-scan.js';
import type { Removal } from '../check-repair.js';
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

export function makeCheckCommand(ctx: CliContext): Command {
  return new Command('check')
    .alias('fsck')
    .description('verify every blob, snapshot, image and build cache record; exit 1 when something is damaged')
    .option('--repair', 'remove what is damaged and everything that depends on it')
    .action(async (opts: { repair?: boolean }, cmd: Command) => {
      const w = await workerFor(cmd);
      const [{ scanRoot }, { JsonFileCacheStore }] = await Promise.all([import('../check-scan.js'), import('../../solver/index.js')]);
      const snapshotter = await w.snapshotter();
      // openWorker chose the driver and wrote it down; its directory is where the table and layers live.
      const driver = (await readFile(join(w.root, 'snapshots', 'driver'), 'utf8')).trim();
      const target = {
        content: w.content,
        images: w.images,
        snapshotDir: join(w.root, 'snapshots', driver),
        steps: new JsonFileCacheStore(join(w.root, 'cache', 'steps'), async () => undefined),
      };
      // As a collection (cache/lease.ts): no prune and no reuse runs meanwhile, and what live sessions made lately is kept.
      const report = await w.session.collect((live) => scanRoot({ ...target, keepNewerThan: live.keepNewerThan }));
      for (const f of report.findings) ctx.stdout(`${describeFinding(f)}\n`);
      const n = report.findings.length;
      if (n === 0) {
        ctx.stdout('no problems found\n');
        return;
      }
      if (opts.repair !== true) {
        ctx.stdout(`${n} problem${n === 1 ? '' : 's'} found; run \`kiln check --repair\` to remove what is damaged and what depends on it\n`);
        ctx.setExitCode(1);
        return;
      }
      const { repairRoot } = await import('../check-repair.js');
      const result = await w.session.collect(() => repairRoot({ ...target, keepNewerThan: undefined, snapshotter }, report));
      for (const r of result.removed) ctx.stdout(`${describeRemoval(r)}\n`);
      for (const f of result.failed) ctx.stderr(`error: could not remove ${f.what}: ${f.reason}\n`);
      if (result.failed.length > 0) {
        ctx.setExitCode(1);
        return;
      }
      ctx.stdout(`repaired ${n} problem${n === 1 ? '' : 's'}; build or pull again what was removed\n`);
    });
}
