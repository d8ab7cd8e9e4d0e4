/** Test helpers about process identities (see util/lock.ts). */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { processIdentity } from './lock.js';

/** The identity (`pid:starttime`) of a process that has exited: what a killed kiln leaves in its names and records. */
export async function deadProcessIdentity(): Promise<string> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const id = processIdentity(child.pid);
  child.kill('SIGKILL');
  await once(child, 'exit');
  if (id === undefined) throw new Error('could not read the identity of a child process');
  return id;
}

/** A `<pid>-<starttime>` tag (util/owner-tag.ts) of a process that has exited. */
export async function deadProcessTag(): Promise<string> {
  return (await deadProcessIdentity()).replace(':', '-');
}

/**
 * A zombie: a process killed but not reaped (its parent, a `sleep`, never
 * waits for it). `done()` ends the parent, which lets init reap both.
 */
export async function zombieProcess(): Promise<{ readonly pid: number; readonly identity: string; done(): Promise<void> }> {
  const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  const identity = processIdentity(pid);
  if (identity === undefined) throw new Error('could not read the identity of a child process');
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 200 && !(await isZombie(pid)); i++) await new Promise((r) => setTimeout(r, 10));
  return {
    pid,
    identity,
    done: async () => {
      parent.kill('SIGKILL');
      await once(parent, 'exit');
    },
  };
}

async function isZombie(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}
