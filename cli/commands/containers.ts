/**
 * The container commands (docker's `container` group and its top-level
 * aliases): thin wrappers over containers/'s Containers.
 */
import { closeSync, writeSync } from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { workerFor } from './image-cmds.js';

/** The file descriptor on which a detached supervisor reports (containers.ts gives it a pipe there). */
const REPORT_FD = 3;

/** `kiln container supervise ID` (hidden): the supervising process of a detached container. */
function makeSuperviseCommand(ctx: CliContext): Command {
  return new Command('supervise')
    .description('supervise a detached container (started by kiln run -d / kiln start)')
    .argument('<id>', 'container id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const abort = new AbortController();
      // A stop arrives through the runtime; a signal to this process stops the container too.
      const onSignal = (sig: NodeJS.Signals): void => abort.abort(new Error(`supervisor got ${sig}`));
      process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('SIGHUP', () => undefined);
      let open = true;
      const report = (line: string): void => {
        if (!open) return;
        try {
          writeSync(REPORT_FD, line);
          closeSync(REPORT_FD);
        } catch {
          // the starting kiln is gone: nobody to tell
        }
        open = false;
      };
      const w = await workerFor(cmd);
      ctx.setExitCode(await w.containers().supervise(id, { signal: abort.signal, report }));
    });
}

/** `kiln container …`. */
export function makeContainerCommand(ctx: CliContext): Command {
  return new Command('container').description('manage containers').addCommand(makeSuperviseCommand(ctx), { hidden: true });
}
