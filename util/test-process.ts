/** Test helpers about process identities (see util/lock.ts). */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
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
