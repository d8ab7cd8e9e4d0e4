/** Read-only image commands: images, inspect, history. */
import { Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { humanAge, humanSize, shortId, table } from '../format.js';
import type { Worker } from '../worker.js';
import { storeLib, workerFor } from './image-cmds.js';
import type { ImageRecord } from '../../store/index.js';

interface ImageRow {
  readonly repository: string;
  readonly tag: string;
  readonly id: string;
  readonly created: string | undefined;
  readonly size: number;
}

async function imageSize(w: Worker, image: ImageRecord): Promise<number> {
  const m = await w.images.manifest(image);
  return m.layers.reduce((a, l) => a + l.size, 0);
}

async function rows(w: Worker): Promise<ImageRow[]> {
  const { familiarName, parseReference } = await storeLib();
  const out: ImageRow[] = [];
  for (const image of await w.images.list()) {
    const config = await w.images.config(image);
    const size = await imageSize(w, image);
    const base = { id: image.id, created: config.created, size };
    if (image.names.length === 0) out.push({ repository: '<none>', tag: '<none>', ...base });
    for (const n of image.names) {
      const r = parseReference(n);
      const repo = familiarName({ ...r, tag: undefined, digest: undefined });
      out.push({ repository: repo, tag: r.tag ?? '<none>', ...base });
    }
  }
  return out.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.repository.localeCompare(b.repository));
}

export function makeImagesCommand(ctx: CliContext): Command {
  return new Command('images')
    .description('list images')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { format: 'table' | 'json' }, cmd: Command) => {
      const w = await workerFor(cmd);
      const list = await rows(w);
      if (opts.format === 'json') {
        ctx.stdout(`${JSON.stringify(list.map((r) => ({ name: r.repository, tag: r.tag, id: r.id, created: r.created ?? null, size: r.size })), null, 2)}\n`);
        return;
      }
      ctx.stdout(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], list.map((r) => [r.repository, r.tag, shortId(r.id), humanAge(r.created), humanSize(r.size)])));
    });
}

export function makeInspectCommand(ctx: CliContext): Command {
  return new Command('inspect')
    .description('show images as JSON, like docker inspect')
    .argument('<image...>', 'image names or ids')
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const w = await workerFor(cmd);
      const { familiarName, parseReference } = await storeLib();
      const out: unknown[] = [];
      for (const ref of refs) {
        const image = await w.images.get(ref);
        const config = await w.images.config(image);
        out.push({
          Id: image.id,
          RepoTags: image.names.map((n) => familiarName(parseReference(n))),
          RepoDigests: [],
          Created: config.created ?? null,
          Author: config.author ?? '',
          Architecture: config.architecture,
          Os: config.os,
          ...(config.variant === undefined ? {} : { Variant: config.variant }),
          Config: config.config ?? {},
          RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
          History: config.history ?? [],
          Size: await imageSize(w, image),
          Manifest: image.manifest.digest,
        });
      }
      ctx.stdout(`${JSON.stringify(out, null, 4)}\n`);
    });
}

export function makeHistoryCommand(ctx: CliContext): Command {
  return new Command('history')
    .description('show the history of an image, newest first')
    .argument('<image>', 'image name or id')
    .option('--no-trunc', 'do not truncate the CREATED BY column')
    .action(async (ref: string, opts: { trunc: boolean }, cmd: Command) => {
      const w = await workerFor(cmd);
      const image = await w.images.get(ref);
      const config = await w.images.config(image);
      const layers = (await w.images.manifest(image)).layers;
      let li = 0;
      const entries = (config.history ?? []).map((h) => {
        const size = h.empty_layer === true ? 0 : (layers[li++]?.size ?? 0);
        const by = h.created_by ?? '';
        return [humanAge(h.created), opts.trunc && by.length > 45 ? `${by.slice(0, 44)}…` : by, humanSize(size), h.comment ?? ''];
      });
      const rowsOut = entries.reverse().map((e, i) => [i === 0 ? shortId(image.id) : '<missing>', ...e]);
      ctx.stdout(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rowsOut));
    });
}
