/** Root maintenance: `kiln prune` and `kiln du`. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { humanSize, table } from '../format.js';
import type { Worker } from '../worker.js';
import { storeLib, workerFor } from './image-cmds.js';
import type { Digest } from '../../util/digest.js';

/** What images keep alive: their blobs and the snapshots of their layer chains. */
async function roots(w: Worker): Promise<{ blobs: Set<Digest>; snapshots: Set<string> }> {
  const { chainIDs } = await storeLib();
  const snapshots = new Set<string>();
  for (const image of await w.images.list()) {
    for (const c of chainIDs((await w.images.config(image)).rootfs.diff_ids)) snapshots.add(c);
  }
  const blobs = await w.images.referencedBlobs();
  // The build cache: every recorded step snapshot, its parents, and their layer blobs.
  const { JsonFileCacheStore } = await import('../../solver/index.js');
  const records = await new JsonFileCacheStore(join(w.root, 'cache', 'steps'), async () => undefined).list();
  const sn = await w.snapshotter();
  for (const rec of records) {
    for (let key: string | undefined = rec.results[0]; key !== undefined && key !== '' && !snapshots.has(key); ) {
      const info = await sn.stat(key).catch(() => undefined);
      if (info === undefined) break;
      snapshots.add(key);
      const d = info.labels['kiln.layer.diffid'];
      if (d !== undefined) blobs.add(d as Digest);
      key = info.parent;
    }
  }
  return { blobs, snapshots };
}

export function makePruneCommand(ctx: CliContext): Command {
  return new Command('prune')
    .description('remove blobs and snapshots no image references (never what a running kiln uses)')
    .action(async (_o: unknown, cmd: Command) => {
      const w = await workerFor(cmd);
      const { collectGarbage } = await import('../../cache/gc.js');
      const { oldestOtherSession } = await import('../../cache/lease.js');
      const r = await collectGarbage(w.content, await w.snapshotter(), await roots(w), await oldestOtherSession(w.root));
      ctx.stdout(`Deleted ${r.blobs} blobs (${humanSize(r.blobBytes)}) and ${r.snapshots} snapshots\n`);
    });
}

interface Row {
  readonly kind: string;
  readonly count: number;
  readonly size: number;
  readonly reclaimable: number;
}

async function dirBytes(dir: string): Promise<{ count: number; size: number }> {
  let count = 0;
  let size = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    count++;
    const p = join(dir, e.name);
    if (e.isDirectory()) size += (await dirBytes(p)).size;
    else size += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return { count, size };
}

async function usageRows(w: Worker): Promise<Row[]> {
  const r = await roots(w);
  const images = await w.images.list();
  const blobs = { kind: 'blobs', count: 0, size: 0, reclaimable: 0 };
  let imageBytes = 0;
  await w.content.walk((b) => {
    blobs.count++;
    blobs.size += b.size;
    if (r.blobs.has(b.digest)) imageBytes += b.size;
    else blobs.reclaimable += b.size;
  });
  const snaps = { kind: 'snapshots', count: 0, size: 0, reclaimable: 0 };
  const sn = await w.snapshotter();
  const infos: { key: string; kind: string }[] = [];
  await sn.walk((i) => {
    infos.push(i);
  });
  for (const i of infos) {
    const u = await sn.usage(i.key);
    snaps.count++;
    snaps.size += u.size;
    if (!r.snapshots.has(i.key) && i.kind === 'committed') snaps.reclaimable += u.size;
  }
  const ingest = await dirBytes(join((await storeLib()).layoutDir(w.root), 'ingest'));
  return [
    { kind: 'images', count: images.length, size: imageBytes, reclaimable: 0 },
    blobs,
    snaps,
    { kind: 'ingest', count: ingest.count, size: ingest.size, reclaimable: ingest.size },
  ];
}

export function makeDuCommand(ctx: CliContext): Command {
  return new Command('du')
    .description('show what the root holds, by kind')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { format: 'table' | 'json' }, cmd: Command) => {
      const w = await workerFor(cmd);
      const rows = await usageRows(w);
      if (opts.format === 'json') {
        ctx.stdout(`${JSON.stringify({ root: w.root, usage: rows }, null, 2)}\n`);
        return;
      }
      ctx.stdout(`root: ${w.root}\n`);
      ctx.stdout(table(['KIND', 'COUNT', 'SIZE', 'RECLAIMABLE'], rows.map((r) => [r.kind, String(r.count), humanSize(r.size), humanSize(r.reclaimable)])));
    });
}
