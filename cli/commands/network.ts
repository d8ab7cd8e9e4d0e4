/**
 * `kiln network create|ls|rm|inspect|connect|disconnect` and `kiln port`:
 * thin wrappers over containers/network (docker's verbs and output).
 */
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { workerFor } from './image-cmds.js';
import { InvalidArgumentError } from '../../util/errors.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function makeNetworkCommand(ctx: CliContext): Command {
  const net = new Command('network').description('manage user-defined networks');
  net
    .command('create')
    .description('create a network (a bridge in a network namespace kiln owns)')
    .argument('<name>')
    .option('--subnet <cidr>', 'IPv4 subnet (default: the next free 10.89.N.0/24)')
    .option('--gateway <ip>', 'gateway address in the subnet (default: its first address)')
    .option('-d, --driver <driver>', 'only bridge', 'bridge')
    .option('--label <K=V>', 'network label', collect, [])
    .action(async (name: string, o: { subnet?: string; gateway?: string; driver: string; label: string[] }, cmd: Command) => {
      if (o.driver !== 'bridge') throw new InvalidArgumentError(`network driver ${JSON.stringify(o.driver)} is not implemented: only bridge`);
      const labels = Object.fromEntries(o.label.map((l) => [l.split('=')[0] ?? '', l.includes('=') ? l.slice(l.indexOf('=') + 1) : '']));
      const w = await workerFor(cmd);
      const rec = await w.containers().networks.store.create(name, { ...(o.subnet === undefined ? {} : { subnet: o.subnet }), ...(o.gateway === undefined ? {} : { gateway: o.gateway }), labels });
      ctx.stdout(`${rec.id}\n`);
    });
  net
    .command('ls')
    .alias('list')
    .description('list networks')
    .option('-q, --quiet', 'only ids')
    .action(async (o: { quiet?: boolean }, cmd: Command) => {
      const w = await workerFor(cmd);
      const all = await w.containers().networks.store.list();
      if (o.quiet === true) return ctx.stdout(all.map((n) => `${n.id.slice(0, 12)}\n`).join(''));
      const rows = [['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET'], ...all.map((n) => [n.id.slice(0, 12), n.name, 'bridge', n.subnet])];
      const width = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
      ctx.stdout(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((width[i] ?? 0) + 3))).join('') + '\n').join(''));
    });
  net
    .command('rm')
    .alias('remove')
    .description('remove networks (refused while containers run on them)')
    .argument('<network...>')
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const w = await workerFor(cmd);
      for (const r of refs) ctx.stdout(`${(await w.containers().networks.store.remove(r)).name}\n`);
    });
  net
    .command('inspect')
    .description('show networks as JSON, with their running containers')
    .argument('<network...>')
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const store = (await workerFor(cmd)).containers().networks.store;
      const out = [];
      for (const r of refs) {
        const n = await store.get(r);
        const containers = Object.fromEntries((await store.endpoints(n)).map((e) => [e.container, { Name: e.name, IPv4Address: `${e.ip}/${n.subnet.split('/')[1] ?? ''}`, Aliases: e.aliases }]));
        out.push({ Name: n.name, Id: n.id, Created: n.created, Driver: 'bridge', IPAM: { Config: [{ Subnet: n.subnet, Gateway: n.gateway }] }, Containers: containers, Labels: n.labels });
      }
      ctx.stdout(`${JSON.stringify(out, null, 4)}\n`);
    });
  net
    .command('connect')
    .description('connect a running container to a network')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <alias>', 'another name for the container on this network', collect, [])
    .action(async (network: string, container: string, o: { alias: string[] }, cmd: Command) => {
      await (await workerFor(cmd)).containers().connect(network, container, o.alias);
    });
  net
    .command('disconnect')
    .description('disconnect a running container from a network')
    .argument('<network>')
    .argument('<container>')
    .action(async (network: string, container: string, _o: unknown, cmd: Command) => {
      await (await workerFor(cmd)).containers().disconnect(network, container);
    });
  return net;
}

/** `kiln port CONTAINER [PORT[/PROTO]]`. */
export function makePortCommand(ctx: CliContext): Command {
  return new Command('port')
    .description('list the published ports of a running container')
    .argument('<container>')
    .argument('[port]', 'only this container port (e.g. 80 or 80/tcp)')
    .action(async (ref: string, port: string | undefined, _o: unknown, cmd: Command) => {
      const { formatPorts } = await import('../../containers/index.js');
      const all = await (await workerFor(cmd)).containers().ports(ref);
      if (port === undefined) return ctx.stdout(formatPorts(all).map((l) => `${l}\n`).join(''));
      const [num, proto = 'tcp'] = port.split('/');
      const match = all.filter((b) => String(b.containerPort) === num && b.protocol === proto);
      if (match.length === 0) throw new InvalidArgumentError(`no public port '${port}' published for ${ref}`);
      ctx.stdout(match.map((b) => `${b.hostIp}:${b.hostPort}\n`).join(''));
    });
}
