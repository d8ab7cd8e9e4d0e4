/**
 * `kiln volume create|ls|inspect|rm|prune`: docker's verbs, flags and
 * output over containers/volumes.
 */
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { humanSize } from '../format.js';
import { renderRows, renderTemplate } from '../go-template.js';
import { workerFor } from './image-cmds.js';
import { InvalidArgumentError, NotImplementedError } from '../../util/errors.js';
import type { Volumes, VolumeInfo } from '../../containers/index.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

async function volumesOf(cmd: Command): Promise<Volumes> {
  return (await workerFor(cmd)).containers().volumes;
}

/** One `volume ls` row, docker's field names. */
function row(v: VolumeInfo): Record<string, string> {
  return {
    Name: v.record.name,
    Driver: 'local',
    Scope: 'local',
    Mountpoint: v.mountpoint,
    Labels: Object.entries(v.record.labels).map(([k, x]) => `${k}=${x}`).join(','),
    Links: String(v.users.length),
    Size: 'N/A',
  };
}

const HEADERS = { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS', Size: 'SIZE' };

/** `label=K[=V]` matching (also `label!=` for prune). */
function labelMatch(v: VolumeInfo, spec: string): boolean {
  const eq = spec.indexOf('=');
  const key = eq < 0 ? spec : spec.slice(0, eq);
  return eq < 0 ? key in v.record.labels : v.record.labels[key] === spec.slice(eq + 1);
}

/** `volume ls --filter`: dangling, name (substring), label, driver; values of one key are alternatives. */
function lsFilter(filters: readonly string[]): (v: VolumeInfo) => boolean {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    const value = f.slice(eq + 1);
    if (eq < 0 || !['dangling', 'name', 'label', 'driver'].includes(key)) throw new InvalidArgumentError(`invalid filter ${JSON.stringify(f)}: expected dangling=, name=, label= or driver=`);
    if (key === 'dangling' && !['true', 'false', '1', '0'].includes(value)) throw new InvalidArgumentError(`invalid filter dangling=${value}: expected true or false`);
    by.set(key, [...(by.get(key) ?? []), value]);
  }
  const match: Record<string, (v: VolumeInfo, x: string) => boolean> = {
    dangling: (v, x) => (v.users.length === 0) === (x === 'true' || x === '1'),
    name: (v, x) => v.record.name.includes(x),
    label: labelMatch,
    driver: (_v, x) => x === 'local',
  };
  return (v) => [...by].every(([k, xs]) => xs.some((x) => match[k]?.(v, x) === true));
}

export function makeVolumeCommand(ctx: CliContext): Command {
  const vol = new Command('volume').description('manage volumes');
  vol
    .command('create')
    .description('create a volume (an existing one of that name is kept as it is)')
    .argument('[name]', 'volume name (default: a random one)')
    .option('-d, --driver <driver>', 'only local', 'local')
    .option('--label <K=V>', 'volume label', collect, [])
    .option('-o, --opt <K=V>', 'driver options (not implemented)', collect, [])
    .action(async (name: string | undefined, o: { driver: string; label: string[]; opt: string[] }, cmd: Command) => {
      if (o.driver !== 'local') throw new NotImplementedError(`volume driver ${JSON.stringify(o.driver)} (only local)`);
      if (o.opt.length > 0) throw new NotImplementedError('volume create -o/--opt (options of the local driver: kiln volumes are plain directories)');
      const { parseVolumeLabels } = await import('../../containers/index.js');
      const v = await (await volumesOf(cmd)).create(name, { labels: parseVolumeLabels(o.label) });
      ctx.stdout(`${v.name}\n`);
    });
  vol
    .command('ls')
    .alias('list')
    .description('list volumes')
    .option('-q, --quiet', 'only names')
    .option('-f, --filter <K=V>', 'dangling=true|false, name=, label=K[=V], driver=', collect, [])
    .option('--format <template>', "Go template, e.g. '{{.Name}}', 'table {{.Name}}\\t{{.Mountpoint}}', or json")
    .action(async (o: { quiet?: boolean; filter: string[]; format?: string }, cmd: Command) => {
      const keep = lsFilter(o.filter);
      const list = (await (await volumesOf(cmd)).list()).filter(keep);
      if (o.quiet === true) return ctx.stdout(list.map((v) => `${v.record.name}\n`).join(''));
      const format = o.format === undefined || o.format === 'table' ? 'table {{.Driver}}\t{{.Name}}' : o.format === 'json' ? '{{json .}}' : o.format;
      ctx.stdout(renderRows(format, list.map(row), HEADERS));
    });
  vol
    .command('inspect')
    .description('show volumes as JSON')
    .argument('<volume...>')
    .option('-f, --format <template>', 'Go template, e.g. {{.Mountpoint}}')
    .action(async (names: string[], o: { format?: string }, cmd: Command) => {
      const { volumeView } = await import('../../containers/index.js');
      const volumes = await volumesOf(cmd);
      const views = [];
      for (const n of names) views.push(volumeView(await volumes.get(n)));
      if (o.format !== undefined) return ctx.stdout(views.map((v) => `${renderTemplate(o.format ?? '', v)}\n`).join(''));
      ctx.stdout(`${JSON.stringify(views, null, 4)}\n`);
    });
  vol
    .command('rm')
    .alias('remove')
    .description('remove volumes (refused while a container uses them)')
    .argument('<volume...>')
    .option('-f, --force', 'no error for a volume that does not exist')
    .action(async (names: string[], o: { force?: boolean }, cmd: Command) => {
      const volumes = await volumesOf(cmd);
      let failed: unknown;
      for (const n of names) {
        try {
          await volumes.remove(n, { force: o.force === true });
          ctx.stdout(`${n}\n`);
        } catch (err) {
          if (names.length === 1) throw err;
          failed = err;
          ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
      if (failed !== undefined) ctx.setExitCode(1);
    });
  vol
    .command('prune')
    .description('remove unused anonymous volumes (-a: every unused volume)')
    .option('-a, --all', 'also unused named volumes')
    .option('--filter <label=K[=V]|label!=K[=V]>', 'only volumes with (or without) the label', collect, [])
    .option('-f, --force', 'do not ask for confirmation')
    .action(async (o: { all?: boolean; filter: string[]; force?: boolean }, cmd: Command) => {
      const checks = o.filter.map((f) => {
        const m = /^label(!?)=(.+)$/.exec(f);
        if (m === null) throw new InvalidArgumentError(`invalid filter ${JSON.stringify(f)}: expected label=K[=V] or label!=K[=V]`);
        const spec = m[2] ?? '';
        return (v: VolumeInfo): boolean => labelMatch(v, spec) === (m[1] === '');
      });
      if (o.force !== true && process.stdin.isTTY === true) {
        ctx.stderr(`WARNING! This will remove ${o.all === true ? 'all' : 'anonymous'} local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] `);
        const answer = await new Promise<string>((resolve) => process.stdin.once('data', (d) => resolve(String(d))));
        process.stdin.pause();
        if (!/^y(es)?$/i.test(answer.trim())) return;
      }
      const volumes = await volumesOf(cmd);
      const { removed, bytes } = await volumes.prune({ all: o.all === true, keep: (record) => checks.every((c) => c({ record, mountpoint: '', users: [] })) });
      if (removed.length > 0) ctx.stdout(`Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}\n`);
      ctx.stdout(`Total reclaimed space: ${humanSize(bytes)}\n`);
    });
  return vol;
}
