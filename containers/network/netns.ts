/**
 * Network namespaces kiln owns, kept alive by a bind mount of their nsfs
 * file under the root (like `ip netns add`, but never in /run/netns: the
 * host's own network configuration is not touched). Made with util-linux
 * `unshare --net=FILE`; configured with iproute2 run inside them through
 * `nsenter --net=FILE`.
 */
import { execFile } from 'node:child_process';
import { writeFile, unlink } from 'node:fs/promises';
import { isMounted, unmount } from '../../executor/index.js';
import { UnavailableError } from '../../util/errors.js';
import { ifExists } from '../../util/if-exists.js';

/** Runs a command; rejects with its stderr. */
export function run(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err === null) return done(stdout);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      fail(new UnavailableError(missing ? `${cmd} not found: apt-get install ${PACKAGES[cmd] ?? cmd}` : `${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`, { cause: err }));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const PACKAGES: Record<string, string> = { unshare: 'util-linux', nsenter: 'util-linux', ip: 'iproute2', pasta: 'passt' };

/** Creates a new, empty network namespace bound at `file` (which must not exist); brings `lo` up. */
export async function createNetns(file: string): Promise<void> {
  await writeFile(file, '', { flag: 'wx' });
  try {
    await run('unshare', [`--net=${file}`, '--', 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    await removeNetns(file).catch(() => undefined);
    throw err;
  }
}

/** Unbinds and deletes a namespace file (the namespace goes once nothing else holds it). ENOENT is fine. */
export async function removeNetns(file: string): Promise<void> {
  if (await isMounted(file)) await unmount(file).catch(() => unmount(file, { detach: true }));
  await ifExists(unlink(file));
}

/** Runs `ip -batch -` inside the namespace with one command per line. */
export async function ipIn(netns: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  await run('nsenter', [`--net=${netns}`, '--', 'ip', '-batch', '-'], `${lines.join('\n')}\n`);
}
