/**
 * `RUN --mount=type=ssh`: the step sees a socket of its own at the mount's
 * target, owned and moded as the mount says, that kiln forwards to the
 * host's SSH agent (`kiln build --ssh ID=SOCKET`), as BuildKit's ssh
 * forwarding does. The agent's socket itself is never mounted, and the
 * forwarder lives only as long as the step.
 */
import { chmod, chown } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { RunMount } from '../plan/index.js';
import { NotFoundError } from '../../util/errors.js';
import type { MountedDir } from './views.js';

/** A forwarding socket at `<scratch>/ssh-N` for mount `m`, or undefined when the id has no agent and the mount is optional. */
export async function forwardSsh(m: Extract<RunMount, { type: 'ssh' }>, agents: ReadonlyMap<string, string> | undefined, scratch: string, n: number): Promise<MountedDir | undefined> {
  const agent = agents?.get(m.id);
  if (agent === undefined) {
    if (m.required) throw new NotFoundError(`ssh agent ${m.id}: not provided (kiln build --ssh ${m.id === 'default' ? 'default' : `${m.id}=SOCKET`})`);
    return undefined;
  }
  const path = join(scratch, `ssh-${n}`);
  const open = new Set<Socket>();
  const server: Server = createServer((c) => {
    const up = connect(agent);
    open.add(c).add(up);
    const drop = (): void => {
      c.destroy();
      up.destroy();
      open.delete(c);
      open.delete(up);
    };
    c.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
    c.pipe(up).pipe(c);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, () => resolve()));
  await chmod(path, m.mode);
  await chown(path, m.uid, m.gid);
  return {
    path,
    release: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
