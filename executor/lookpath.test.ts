// The command check before start: Docker's message and 127 for a command
// that cannot exist; defer to the runtime whenever a mount could supply it.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingCommand } from './lookpath.js';

const test = suite('missingCommand');
let root = '';
const PATH = 'PATH=/usr/local/bin:/usr/bin:/bin';
const check = (args: string[], env = [PATH], mounted: string[] = [], cwd = '/') => missingCommand(root, { args, env, cwd }, mounted);

test.before.each(async () => {
  root = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  await mkdir(join(root, 'bin'));
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'work'));
  await writeFile(join(root, 'bin/busybox'), '');
  await chmod(join(root, 'bin/busybox'), 0o755);
  await symlink('busybox', join(root, 'bin/sh'));
  await symlink('/bin/busybox', join(root, 'usr/bin/env'));
  await writeFile(join(root, 'usr/bin/data'), '');
  await mkdir(join(root, 'usr/bin/adir'));
  await writeFile(join(root, 'work/run.sh'), '');
  await chmod(join(root, 'work/run.sh'), 0o755);
  await writeFile(join(root, 'work/notes.txt'), '');
  await symlink('/etc/passwd', join(root, 'usr/bin/hostfile')); // inside the rootfs: missing
});

test.after.each(async () => {
  await rm(root, { recursive: true, force: true });
});

test('found through PATH, also via relative and absolute symlinks', async () => {
  assert.is(await check(['sh']), undefined);
  assert.is(await check(['env']), undefined);
  assert.is(await check(['busybox']), undefined);
});

test('not found: Docker\'s message and 127', async () => {
  const err = await check(['nope']);
  assert.is(err?.message, 'exec: "nope": executable file not found in $PATH');
  assert.is(err?.exitCode, 127);
});

test('non-executable files, directories and symlinks out of the rootfs do not count', async () => {
  assert.is((await check(['data']))?.exitCode, 127);
  assert.is((await check(['adir']))?.exitCode, 127);
  assert.is((await check(['hostfile']))?.exitCode, 127);
});

test('the last PATH wins; no PATH or a relative entry defers to the runtime', async () => {
  assert.is((await check(['busybox'], [PATH, 'PATH=/usr/bin']))?.exitCode, 127);
  assert.is(await check(['nope'], []), undefined);
  assert.is(await check(['nope'], ['PATH=bin:/bin']), undefined);
});

test('paths with a slash: relative to cwd; missing is 127, a directory or no execute bit 126', async () => {
  assert.is(await check(['/bin/sh']), undefined);
  assert.is(await check(['./run.sh'], [PATH], [], '/work'), undefined);
  const err = await check(['/bin/nope']);
  assert.equal([err?.message, err?.exitCode], ['exec: "/bin/nope": stat /bin/nope: no such file or directory', 127]);
  const noExec = await check(['./notes.txt'], [PATH], [], '/work');
  assert.equal([noExec?.message, noExec?.exitCode], ['exec: "./notes.txt": permission denied', 126]);
  assert.is((await check(['/usr/bin/adir']))?.exitCode, 126);
});

test('a mount that may provide the command defers to the runtime', async () => {
  assert.is(await check(['tool'], ['PATH=/opt/tools/bin'], ['/opt/tools']), undefined);
  assert.is(await check(['/opt/tools/bin/tool'], [PATH], ['/opt/tools']), undefined);
  assert.is((await check(['/opt/toolsx/tool'], [PATH], ['/opt/tools']))?.exitCode, 127);
});

test.run();
