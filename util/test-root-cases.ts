/**
 * One table of hostile paths that every user of the root-confined resolver
 * runs (resolveInRoot, the COPY source tree, layer apply), so a change to one
 * of them that lets a path out fails the same case everywhere.
 *
 * The sandbox holds `outside/secret` (what an escape would reach) and
 * `root/`, which has its own `outside/secret`, a `nested/` directory and the
 * links below: a confined lookup lands on `root/outside/secret`.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Symlinks in the root (name → target), each an attempt to climb out. */
export const HOSTILE_LINKS: readonly (readonly [string, string])[] = [
  ['up', '../../../../../outside'],
  ['abs', '/outside'],
  ['slash', '/'],
  ['dotdot', '..'],
  ['chain', 'up'],
  ['nested/back', '../../..'],
  ['nested/abs-up', '/../../outside'],
  ['nested/abs', '/outside'],
  ['loop', 'loop'],
  ['ping', 'pong'],
  ['pong', 'ping'],
];

/** A path and where a confined resolver must land (relative to the root), or `loop`. */
export interface HostileCase {
  readonly path: string;
  readonly lands: string | 'loop';
}

export const HOSTILE_CASES: readonly HostileCase[] = [
  { path: '/../../outside/secret', lands: 'outside/secret' },
  { path: '/nested/../../../outside/secret', lands: 'outside/secret' },
  { path: '/up/secret', lands: 'outside/secret' },
  { path: '/abs/secret', lands: 'outside/secret' },
  { path: '/slash/outside/secret', lands: 'outside/secret' },
  { path: '/dotdot/outside/secret', lands: 'outside/secret' },
  { path: '/chain/secret', lands: 'outside/secret' },
  { path: '/nested/back/outside/secret', lands: 'outside/secret' },
  { path: '/nested/abs-up/secret', lands: 'outside/secret' },
  { path: '/nested/abs/secret', lands: 'outside/secret' },
  { path: '/loop/secret', lands: 'loop' },
  { path: '/ping/secret', lands: 'loop' },
];

export interface HostileRoot {
  readonly sandbox: string;
  readonly root: string;
  /** The host file an escape would reach. */
  readonly outsideSecret: string;
  readonly remove: () => Promise<void>;
}

/** Builds the sandbox described in the file comment under a fresh temp dir. */
export async function hostileRoot(): Promise<HostileRoot> {
  const sandbox = await mkdtemp(join(tmpdir(), 'kiln-hostile-'));
  const root = join(sandbox, 'jail', 'root');
  await mkdir(join(sandbox, 'outside'), { recursive: true });
  await writeFile(join(sandbox, 'outside', 'secret'), 'host');
  await mkdir(join(root, 'outside'), { recursive: true });
  await mkdir(join(root, 'nested'));
  await writeFile(join(root, 'outside', 'secret'), 'root');
  for (const [name, target] of HOSTILE_LINKS) await symlink(target, join(root, name));
  return { sandbox, root, outsideSecret: join(sandbox, 'outside', 'secret'), remove: () => rm(sandbox, { recursive: true, force: true }) };
}
