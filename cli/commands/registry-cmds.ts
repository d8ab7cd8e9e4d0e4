/**
 * Registry commands: pull, push, login, logout. Thin factories over
 * registry/ (loaded lazily); progress is printed one line per blob.
 */
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { hostPlatform, parsePlatform } from '../../oci/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { workerFor } from './image-cmds.js';
import type { RegistryProgress } from '../../registry/index.js';

function registryLib(): Promise<typeof import('../../registry/index.js')> {
  return import('../../registry/index.js');
}

/** Repeatable `--insecure-registry HOST`. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** One line per event: `<short digest>: pushed`, `Retrying …`, `Digest: sha256:…`. */
function printer(ctx: CliContext): (e: RegistryProgress) => void {
  return (e) => {
    switch (e.kind) {
      case 'resolved':
        ctx.stdout(`${e.ref}: resolved to ${e.digest}\n`);
        return;
      case 'blob':
        ctx.stdout(`${e.digest.slice(7, 19)}: ${e.status}\n`);
        return;
      case 'retry':
        ctx.stderr(`${e.what}; retrying in ${(e.delayMs / 1000).toFixed(1)}s (attempt ${e.attempt + 1})\n`);
        return;
      case 'manifest':
        return;
      default: {
        const never: never = e;
        throw new Error(`unknown progress event ${JSON.stringify(never)}`);
      }
    }
  };
}

export function makePullCommand(ctx: CliContext): Command {
  return new Command('pull')
    .description('download an image from a registry')
    .argument('<ref>', 'image reference, e.g. alpine:3 or localhost:5000/app:1')
    .option('--platform <os/arch>', 'platform to pick from a multi-platform image')
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable)', collect, [])
    .action(async (ref: string, opts: { platform?: string; insecureRegistry: string[] }, cmd: Command) => {
      const lib = await registryLib();
      const w = await workerFor(cmd);
      const r = await lib.pull(w.images, ref, {
        insecureRegistries: opts.insecureRegistry,
        progress: printer(ctx),
        ...(opts.platform === undefined ? {} : { platform: parsePlatform(opts.platform, hostPlatform()) }),
      });
      ctx.stdout(`Digest: ${r.digest}\nStatus: downloaded ${r.name}\n${r.image.id}\n`);
    });
}

export function makePushCommand(ctx: CliContext): Command {
  return new Command('push')
    .description('upload an image to a registry')
    .argument('<image>', 'local image name or id')
    .argument('[ref]', 'target reference (default: the image name)')
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable)', collect, [])
    .action(async (image: string, ref: string | undefined, opts: { insecureRegistry: string[] }, cmd: Command) => {
      const lib = await registryLib();
      const w = await workerFor(cmd);
      const r = await lib.push(w.images, image, ref, { insecureRegistries: opts.insecureRegistry, progress: printer(ctx) });
      ctx.stdout(`${r.ref}: digest: ${r.digest} size: ${r.size}\nDigest: ${r.digest}\n`);
    });
}

export function makeLoginCommand(ctx: CliContext): Command {
  return new Command('login')
    .description('check and store credentials for a registry (in the docker config)')
    .argument('[registry]', 'registry host', 'docker.io')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password (prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable)', collect, [])
    .action(async (registry: string, opts: { username?: string; password?: string; passwordStdin?: boolean; insecureRegistry: string[] }) => {
      if (opts.password !== undefined && opts.passwordStdin === true) throw new InvalidArgumentError('--password and --password-stdin are exclusive');
      if (opts.username === undefined || opts.username === '') throw new InvalidArgumentError('login needs a user name: -u USER');
      const password = opts.passwordStdin === true ? (await ctx.readStdin()).replace(/\r?\n$/, '') : opts.password;
      if (password === undefined || password === '') throw new InvalidArgumentError('login needs a password: --password-stdin or -p');
      if (opts.password !== undefined) ctx.stderr('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
      const lib = await registryLib();
      await lib.login(registry, { username: opts.username, password }, { insecureRegistries: opts.insecureRegistry });
      ctx.stdout('Login Succeeded\n');
    });
}

export function makeLogoutCommand(ctx: CliContext): Command {
  return new Command('logout')
    .description('remove stored credentials for a registry')
    .argument('[registry]', 'registry host', 'docker.io')
    .action(async (registry: string) => {
      const lib = await registryLib();
      const removed = await lib.logout(registry);
      ctx.stdout(removed ? `Removing login credentials for ${lib.registryName(registry)}\n` : `Not logged in to ${lib.registryName(registry)}\n`);
    });
}
