/** Read-only image commands: images, inspect, history. */
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { humanAge, humanSize, shortId, table } from '../format.js';
import { storeLib, workerFor } from './image-cmds.js';
import { parseFormat, renderFormat, type Format } from '../go-format.js';
import { formatImages } from '../images-format.js';
import { filterRows, imageRows, imageSize, parseImageFilter, type ImageFilter } from '../images-list.js';

interface ImagesFlags {
  quiet?: boolean;
  filter: ImageFilter[];
  trunc: boolean;
  digests?: boolean;
  /** `table` alone is the default table (with or without --digests). */
  format?: Format | 'table';
}

export function makeImagesCommand(ctx: CliContext): Command {
  return new Command('images')
    .description('list images')
    .argument('[repository]', 'only images of this REPOSITORY[:TAG]')
    .option('-q, --quiet', 'print only image ids')
    .option('-f, --filter <key=value>', 'dangling=true|false, reference=GLOB, before=IMAGE, since=IMAGE, label=KEY[=VALUE] (repeatable)', (v: string, p: ImageFilter[]) => [...p, parseImageFilter(v)], [])
    .option('--no-trunc', 'show full image ids')
    .option('--digests', 'show digests')
    .option('--format <format>', "table (default), json, 'table TEMPLATE' or a Go TEMPLATE, e.g. '{{.Repository}}:{{.Tag}}'", (v: string) => (v === 'table' ? 'table' : parseFormat(v)))
    .action(async (repository: string | undefined, opts: ImagesFlags, cmd: Command) => {
      const w = await workerFor(cmd);
      const rows = await filterRows(w, await imageRows(w), opts.filter, repository);
      ctx.stdout(formatImages(rows, { quiet: opts.quiet === true, trunc: opts.trunc, digests: opts.digests === true, format: opts.format === 'table' ? undefined : opts.format }));
    });
}

export function makeInspectCommand(ctx: CliContext): Command {
  return new Command('inspect')
    .description('show images as JSON, like docker inspect')
    .argument('<image...>', 'image names or ids')
    .option('-f, --format <template>', "a Go template per image, e.g. '{{.Id}}', '{{json .Config}}', '{{index .RepoTags 0}}'", parseFormat)
    .action(async (refs: string[], opts: { format?: Format }, cmd: Command) => {
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
      if (opts.format !== undefined) ctx.stdout(renderFormat(opts.format, out as object[], {}));
      else ctx.stdout(`${JSON.stringify(out, null, 4)}\n`);
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
