import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { preflight } from './preflight.js';
import { findTool, HOST_TOOLS } from '../util/host-tools.js';
import { FailedPreconditionError, UnavailableError } from '../util/errors.js';

const test = suite('preflight');

test('a non-root user is refused for commands that mount, with what to do', async () => {
  const err = await preflight('build', { uid: 1000, path: '/usr/bin:/bin' }).catch((e: unknown) => e);
  assert.instance(err, FailedPreconditionError);
  assert.match((err as Error).message, /^kiln needs root or a user namespace: kiln build runs as uid 1000/);
  assert.match((err as Error).message, /sudo kiln build/);
  await preflight('images', { uid: 1000, path: '' });
  await preflight('parse', { uid: 1000, path: '' });
});

test('a missing host tool is named with its Debian package', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-preflight-'));
  try {
    // Every tool but the runtime, linked into an otherwise empty PATH.
    for (const t of [...HOST_TOOLS.containers, ...HOST_TOOLS.layers]) {
      const name = t.names[0] as string;
      if (name === 'runc') continue;
      const found = await findTool(t.names, process.env.PATH ?? '');
      if (found !== undefined) await symlink(found, join(dir, name));
    }
    const err = await preflight('build', { uid: 0, path: dir }).catch((e: unknown) => e);
    assert.instance(err, UnavailableError);
    assert.match((err as Error).message, /^runc or crun not found: apt-get install runc \(/);
    assert.not.match((err as Error).message, /getfattr/);
    await preflight('build', { uid: 0, path: dir, runtime: '/opt/my-runc' });
    const load = await preflight('load', { uid: 0, path: '' }).catch((e: unknown) => e);
    assert.match((load as Error).message, /getfattr not found: apt-get install attr/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
