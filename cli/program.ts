import { Command, Option } from 'commander';
import { makeImportCommand, makeLoadCommand, makeRmiCommand, makeSaveCommand, makeTagCommand } from './commands/image-cmds.js';
import { makeHistoryCommand, makeImagesCommand, makeInspectCommand } from './commands/image-info.js';
import { makeBuildCommand } from './commands/build.js';
import { makeCheckCommand } from './commands/check.js';
import { makeParseCommand } from './commands/parse.js';
import { makeLoginCommand, makeLogoutCommand, makePullCommand, makePushCommand } from './commands/registry-cmds.js';
import { makeRunCommand } from './commands/run.js';
import { containerCommands, makeContainerCommand } from './commands/containers.js';
import { makeNetworkCommand, makePortCommand } from './commands/network.js';
import { makeVolumeCommand } from './commands/volume.js';
import { makeDuCommand, makePruneCommand } from './commands/system.js';
import { makeVersionCommand } from './commands/version.js';
import { makeCompletionCommand } from './completion.js';
import type { CliContext } from './context.js';

/** Global options every command sees. */
export interface GlobalOptions {
  readonly root?: string;
  readonly runtime?: string;
  readonly debug: boolean;
}


/** Builds the `kiln` command tree. */
export function makeProgram(ctx: CliContext, version: string): Command {
  const program = new Command('kiln')
    .description('kiln: a daemonless Dockerfile build engine')
    .version(version, '-v, --version', 'print the version')
    .addOption(new Option('--root <dir>', 'where kiln stores images and cache').env('KILN_ROOT'))
    .addOption(new Option('--runtime <runtime>', 'OCI runtime: runc, crun or a path'))
    .option('--debug', 'show stack traces', false)
    .showSuggestionAfterError(true)
    // Options after `kiln run IMAGE` belong to the container's command.
    .enablePositionalOptions()
    .addCommand(makeBuildCommand(ctx))
    .addCommand(makeCheckCommand(ctx))
    .addCommand(makeParseCommand(ctx))
    .addCommand(makeRunCommand(ctx))
    .addCommand(makeContainerCommand(ctx))
    .addCommand(makeNetworkCommand(ctx))
    .addCommand(makeVolumeCommand(ctx))
    .addCommand(makePortCommand(ctx))
    .addCommand(makeImagesCommand(ctx))
    .addCommand(makeImportCommand(ctx))
    .addCommand(makeSaveCommand())
    .addCommand(makeLoadCommand(ctx))
    .addCommand(makeTagCommand())
    .addCommand(makeRmiCommand(ctx))
    .addCommand(makeInspectCommand(ctx))
    .addCommand(makeHistoryCommand(ctx))
    .addCommand(makePullCommand(ctx))
    .addCommand(makePushCommand(ctx))
    .addCommand(makeLoginCommand(ctx))
    .addCommand(makeLogoutCommand(ctx))
    .addCommand(makePruneCommand(ctx))
    .addCommand(makeDuCommand(ctx))
    .addCommand(new Command('system').description('disk use and cleanup, as docker system').addCommand(makeDuCommand(ctx, 'df')).addCommand(makePruneCommand(ctx)))
    .addCommand(makeVersionCommand(ctx, version))
    .addCommand(makeCompletionCommand(ctx, () => program));
  for (const c of containerCommands(ctx)) program.addCommand(c);
  return program;
}
