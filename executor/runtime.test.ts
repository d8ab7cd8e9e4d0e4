// Runtime choice: crun, then runc, from PATH (or KILN_RUNTIME); a path; the
// crun workaround on hosts that mount cgroup v1 and v2 side by side (system
// calls around each spawn, or the unshare(1) wrapper with KILN_NATIVE=0); no
// runtime at all.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError, UnavailableError } from '../util/errors.js';
import { cgroupLayout, crunWrapper, resolveRuntime, shellQuote } from './runtime.js';

const HYBRID = [
  '25 30 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
  '26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw',
  '27 25 0:24 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
].join('\n');
const V2 = '25 30 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw';
const V1 = '27 25 0:24 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory';

const layout = suite('cgroupLayout / crunWrapper');

layout('reads v1 hierarchies and cgroup2 mount points (octal escapes decoded)', () => {
  assert.equal(cgroupLayout(HYBRID), { v1: true, v2Mounts: ['/sys/fs/cgroup/unified'] });
  assert.equal(cgroupLayout(V2), { v1: false, v2Mounts: ['/sys/fs/cgroup'] });
  assert.equal(cgroupLayout(V1), { v1: true, v2Mounts: [] });
  assert.equal(cgroupLayout('1 2 0:1 / /a\\040b rw - cgroup2 none rw').v2Mounts, ['/a b']);
});

layout('the wrapper unmounts cgroup2 in a private mount namespace, then execs the runtime', () => {
  const tools = { unshare: '/usr/bin/unshare', sh: '/bin/sh' };
  assert.equal(crunWrapper(cgroupLayout(HYBRID), tools), [
    '/usr/bin/unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"',
  ]);
  assert.equal(crunWrapper(cgroupLayout(V2), tools), []);
  assert.equal(crunWrapper(cgroupLayout(V1), tools), []);
});

layout('shellQuote', () => {
  assert.is(shellQuote('/usr/bin/runc'), '/usr/bin/runc');
  assert.is(shellQuote("it's"), `'it'\\''s'`);
  assert.is(shellQuote('a b'), "'a b'");
  assert.is(shellQuote(''), "''");
});

const resolve = suite('resolveRuntime');
let bin = '';

const fake = async (name: string, version = name): Promise<string> => {
  const path = join(bin, name);
  await writeFile(path, `#!/bin/sh\necho "${version} version 1.0"\n`);
  await chmod(path, 0o755);
  return path;
};

resolve.before.each(async () => {
  bin = await mkdtemp(join(tmpdir(), 'kiln-test-'));
});
resolve.after.each(async () => {
  await rm(bin, { recursive: true, force: true });
});

const NATIVE = { env: {} };
const SPAWNED = { env: { KILN_NATIVE: '0' } };

resolve('crun (KILN_RUNTIME=crun, or the default without runc): on a hybrid host the cgroup2 mount is hidden around each spawn, no wrapper', async () => {
  const crun = await fake('crun');
  await fake('runc');
  assert.equal(await resolveRuntime({ path: bin, mountinfo: HYBRID, env: { KILN_RUNTIME: 'crun' } }), {
    kind: 'crun',
    path: crun,
    wrapper: [],
    hiddenMounts: ['/sys/fs/cgroup/unified'],
    notes: [],
  });
  assert.equal(await resolveRuntime({ runtime: 'crun', path: bin, mountinfo: V2, ...NATIVE }), { kind: 'crun', path: crun, wrapper: [], hiddenMounts: [], notes: [] });
  await rm(join(bin, 'runc'));
  assert.is((await resolveRuntime({ path: bin, mountinfo: HYBRID, ...NATIVE })).kind, 'crun');
});

resolve('default: runc first; --runtime runc and KILN_RUNTIME=runc pick it too', async () => {
  await fake('crun');
  const runc = await fake('runc');
  const plainRunc = { kind: 'runc', path: runc, wrapper: [], hiddenMounts: [], notes: [] };
  assert.equal(await resolveRuntime({ path: bin, mountinfo: HYBRID, ...NATIVE }), plainRunc);
  assert.equal(await resolveRuntime({ runtime: 'runc', path: bin, mountinfo: HYBRID, ...NATIVE }), plainRunc);
  assert.equal(await resolveRuntime({ path: bin, mountinfo: HYBRID, env: { KILN_RUNTIME: 'runc' } }), plainRunc);
});

resolve('KILN_NATIVE=0: crun on a hybrid host is wrapped in unshare(1) with a note', async () => {
  const crun = await fake('crun');
  await mkdir(join(bin, 'tools'));
  const tools = ['unshare', 'sh'].map((t) => fake(join('tools', t)));
  await Promise.all(tools);
  const rt = await resolveRuntime({ runtime: 'crun', path: `${bin}:${join(bin, 'tools')}`, mountinfo: HYBRID, ...SPAWNED });
  assert.is(rt.kind, 'crun');
  assert.is(rt.path, crun);
  assert.is(rt.wrapper[0], join(bin, 'tools/unshare'));
  assert.equal(rt.hiddenMounts, []);
  assert.match(rt.notes[0] ?? '', /crun refuses hybrid cgroups/);
  assert.equal((await resolveRuntime({ runtime: 'crun', path: bin, mountinfo: V2, ...SPAWNED })).wrapper, []);
});

resolve('KILN_NATIVE=0: crun on a hybrid host without unshare falls back to runc with a note', async () => {
  await fake('crun');
  const runc = await fake('runc');
  const rt = await resolveRuntime({ runtime: 'crun', path: bin, mountinfo: HYBRID, ...SPAWNED });
  assert.equal([rt.kind, rt.path], ['runc', runc]);
  assert.match(rt.notes[0] ?? '', /using runc/);
});

resolve('no runtime: UnavailableError naming the Debian packages', async () => {
  try {
    await resolveRuntime({ path: bin, mountinfo: V1 });
    assert.unreachable('resolved');
  } catch (err) {
    assert.instance(err, UnavailableError);
    assert.match((err as Error).message, /apt-get install runc.*apt-get install crun/);
  }
  try {
    await resolveRuntime({ runtime: 'crun', path: bin, mountinfo: V1 });
    assert.unreachable('resolved');
  } catch (err) {
    assert.instance(err, UnavailableError);
    assert.match((err as Error).message, /runtime crun not found on PATH: apt-get install crun/);
  }
});

resolve('a path: its kind from the name or from --version', async () => {
  const odd = await fake('my-runtime', 'crun');
  assert.is((await resolveRuntime({ runtime: odd, path: bin, mountinfo: V1 })).kind, 'crun');
  const runcish = await fake('runc-1.2');
  assert.equal(await resolveRuntime({ runtime: runcish, path: bin, mountinfo: V1 }), { kind: 'runc', path: runcish, wrapper: [], hiddenMounts: [], notes: [] });
  const other = await fake('other', 'youki');
  try {
    await resolveRuntime({ runtime: other, path: bin, mountinfo: V1 });
    assert.unreachable('resolved');
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, /neither runc nor crun/);
  }
});

resolve('bad choices', async () => {
  try {
    await resolveRuntime({ runtime: 'docker', path: bin, mountinfo: V1 });
    assert.unreachable('resolved');
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, /unknown runtime "docker": expected runc, crun or a path/);
  }
  try {
    await resolveRuntime({ runtime: join(bin, 'missing'), path: bin, mountinfo: V1 });
    assert.unreachable('resolved');
  } catch (err) {
    assert.instance(err, UnavailableError);
  }
});

layout.run();
resolve.run();
