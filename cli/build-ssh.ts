/**
 * `kiln build --ssh default|ID[=SOCKET|KEY[,KEY…]]` as buildx reads it: an
 * agent socket (SSH_AUTH_SOCK when no path is given), or private keys, which
 * kiln loads into an `ssh-agent` of its own for the length of the build.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedPreconditionError, InvalidArgumentError } from '../util/errors.js';

/** Agent sockets by id, and how to stop the agents kiln started. */
export interface SshAgents {
  readonly agents: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/** Resolves every `--ssh`; on failure, stops what it started. */
export async function sshAgents(specs: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<SshAgents> {
  const agents = new Map<string, string>();
  const started: { child: ChildProcess; dir: string }[] = [];
  const close = async (): Promise<void> => {
    for (const s of started.splice(0)) {
      s.child.kill('SIGTERM');
      await rm(s.dir, { recursive: true, force: true });
    }
  };
  try {
    for (const spec of specs) {
      const eq = spec.indexOf('=');
      const id = (eq < 0 ? spec : spec.slice(0, eq)).trim();
      const paths = eq < 0 ? [] : spec.slice(eq + 1).split(',').map((p) => p.trim()).filter((p) => p !== '');
      if (id === '') throw new InvalidArgumentError(`invalid --ssh ${JSON.stringify(spec)}: expected default or ID[=SOCKET|KEY[,KEY]]`);
      if (paths.length === 0) {
        const sock = env.SSH_AUTH_SOCK;
        if (sock === undefined || sock === '') throw new InvalidArgumentError(`--ssh ${spec}: SSH_AUTH_SOCK is not set; start an agent (ssh-agent) or give ${id}=SOCKET or ${id}=KEYFILE`);
        agents.set(id, sock);
        continue;
      }
      const kinds = await Promise.all(paths.map(async (p) => stat(p).then((s) => (s.isSocket() ? 'socket' : 'file'), (err: unknown) => {
        throw new InvalidArgumentError(`--ssh ${id}: cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
      })));
      if (kinds.includes('socket')) {
        if (paths.length > 1) throw new InvalidArgumentError(`--ssh ${spec}: an agent socket must be given alone`);
        agents.set(id, paths[0] ?? '');
        continue;
      }
      const agent = await startAgent(paths);
      started.push(agent);
      agents.set(id, agent.sock);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { agents, close };
}

/** `ssh-agent -D` on a private socket, with `keys` added. */
async function startAgent(keys: readonly string[]): Promise<{ child: ChildProcess; dir: string; sock: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-ssh-'));
  const sock = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new FailedPreconditionError(`--ssh: cannot start ssh-agent (${(err as NodeJS.ErrnoException).code ?? err.message}; apt-get install openssh-client)`, { cause: err }))));
  failed.catch(() => undefined);
  for (let i = 0; ; i++) {
    if (await stat(sock).then(() => true, () => false)) break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      await Promise.race([failed, Promise.resolve()]);
      throw new FailedPreconditionError('--ssh: ssh-agent did not start');
    }
    await sleep(20);
  }
  const add = spawnSync('ssh-add', ['-q', ...keys], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (add.status !== 0) {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
    throw new InvalidArgumentError(`--ssh: ssh-add refused ${keys.join(', ')}: ${(add.stderr || add.error?.message || '').trim()}`);
  }
  return { child, dir, sock };
}
