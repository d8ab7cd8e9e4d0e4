/** `kiln version`: what is installed, for bug reports and CI logs (docker version's role). */
import { arch, platform } from 'node:os';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { findTool } from '../../util/host-tools.js';

export function makeVersionCommand(ctx: CliContext, version: string): Command {
  return new Command('version')
    .description('show the kiln version, the Node.js it runs on and the OCI runtime it finds')
    .option('--format <format>', 'json: one JSON object')
    .action(async (opts: { format?: string }) => {
      const runtime = (await findTool(['runc'], process.env.PATH ?? '')) ?? (await findTool(['crun'], process.env.PATH ?? '')) ?? 'not found (apt-get install runc)';
      const info = { Version: version, Node: process.version, OsArch: `${platform()}/${goArch(arch())}`, Runtime: runtime };
      if (opts.format === 'json') ctx.stdout(`${JSON.stringify(info)}\n`);
      else ctx.stdout(`kiln version ${info.Version}\n Node:     ${info.Node}\n OS/Arch:  ${info.OsArch}\n Runtime:  ${info.Runtime}\n`);
    });
}

/** Node's arch names → Go's (the names OCI platforms use). */
function goArch(a: string): string {
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}
