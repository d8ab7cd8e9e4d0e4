// The start-up sweep as a user meets it (bin/kiln, runc, overlayfs): after a
// kiln process is SIGKILLed, the next command of any kind (here `kiln images`)
// removes everything it left; while a kiln runs, other commands leave its
// things alone.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mountPointsUnder } from '../executor/index.js';
import { makeBusyboxTarball } from '../util/test-busybox.js';
import { e2eReady } from '../util/test-e2e.js';
import { deadProcessTag } from '../util/test-process.js';
import { containerPid, exited, inventory, kilnSync, NOTHING_LEFT, snapshotRecords, startKiln, waitFor } from './test-sweep.js';

if (e2eReady('kiln sweep e2e', ['runc', 'tar'])) {
  const test = suite('kiln sweep e2e');
  let tmp = '';
  let root = '';
  const kiln = (...args: string[]): ReturnType<typeof kilnSync> => kilnSync(root, args);
  const ok = (...args: string[]): string => {
    const r = kiln(...args);
    assert.is(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.includes('warning'), false, r.stderr);
    return r.stdout;
  };
  const context = async (name: string, files: Record<string, string>): Promise<string> => {
    const dir = join(tmp, name);
    await mkdir(dir, { recursive: true });
    for (const [f, body] of Object.entries(files)) await writeFile(join(dir, f), body);
    return dir;
  };
  const cacheMount = (id: string): string => join(root, 'cache-mounts', createHash('sha256').update(id).digest('hex').slice(0, 32));

  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-sweep-'));
    root = join(tmp, 'root');
    await makeBusyboxTarball(tmp, join(tmp, 'busybox.tar'));
    ok('import', join(tmp, 'busybox.tar'), 'bb');
  });
  test.after(async () => {
    // Whatever a failed test left: swept by one more command before the files go.
    kiln('images');
    const mounts = (await inventory(root)).mounts;
    if (mounts.length > 0) throw new Error(`still mounted, not removing ${tmp}: ${mounts.join(', ')}`);
    await rm(tmp, { recursive: true, force: true });
  });

  test('kill -9 mid-RUN, five times: `kiln images` alone leaves no container, mount, bundle, state, tmp entry or working snapshot', async () => {
    const dir = await context('killed-run', {
      Dockerfile: "FROM bb\nRUN --mount=type=cache,id=sweep-run,target=/c --mount=type=bind,target=/ctx,rw sh -c 'echo x > /ctx/scribble; touch /c/started; exec sleep 300'\n",
      'file.txt': 'x\n',
    });
    const marker = join(cacheMount('sweep-run'), 'started');
    for (let trial = 0; trial < 5; trial++) {
      await rm(marker, { force: true });
      const build = startKiln(root, ['build', '--progress', 'plain', dir]);
      await waitFor('the RUN step to start', async () => (existsSync(marker) ? true : undefined), build);
      await sleep(trial * 15);
      const left = await inventory(root);
      assert.is(left.containers.length, 1, 'the step runs in a container');
      assert.ok(left.mounts.some((m) => m.includes('/exec/bundles/')), 'its rootfs is mounted');
      assert.ok(left.mounts.some((m) => m.includes('/tmp/')), 'its rw bind mount is an overlay in its tmp dir');
      assert.is(left.working.length, 1, 'its working snapshot is recorded');
      const pid = await containerPid(root, left.containers[0] ?? '');
      await build.kill();
      assert.is((await inventory(root)).containers.length, 1, 'the container outlives its kiln');
      ok('images');
      assert.equal(await inventory(root), NOTHING_LEFT);
      await waitFor('the container process to exit', async () => ((await exited(pid)) ? true : undefined));
    }
  });

  test('kill -9 of `kiln run`: the container, its mounts and bundle go; a --rm container\'s filesystem goes, a kept one\'s stays', async () => {
    for (const [i, autoremove] of [true, false, true].entries()) {
      const name = `sleeper-${i}`;
      const run = startKiln(root, ['run', ...(autoremove ? ['--rm'] : []), '--name', name, 'bb', 'sh', '-c', 'echo ready; exec sleep 300']);
      await waitFor('the container to start', async () => (run.output().includes('ready') ? true : undefined), run);
      const left = await inventory(root);
      // The runtime knows the container by its 64-hex id; its name maps to it.
      const id = (await readFile(join(root, 'containers', 'names', name), 'utf8')).trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.equal(left.containers, [id]);
      assert.ok(left.mounts.length > 0);
      const pid = await containerPid(root, id);
      await run.kill();
      ok('images');
      assert.equal(await inventory(root), NOTHING_LEFT);
      assert.is(`container-${id}` in (await snapshotRecords(root)), !autoremove, `container-${id}`);
      // A --rm container goes with its filesystem; a kept one is still listed, its supervisor gone.
      assert.is(existsSync(join(root, 'containers', id, 'config.json')), !autoremove);
      await waitFor('the container process to exit', async () => ((await exited(pid)) ? true : undefined));
    }
  });

  test('other kiln commands, a second build and prune, run while a build is live, leave it alone; it completes', async () => {
    const dir = await context('live', {
      Dockerfile:
        "FROM bb\nCOPY file.txt /file.txt\nRUN --mount=type=cache,id=sweep-live,target=/c --mount=type=bind,target=/ctx,rw sh -c 'touch /c/started; while [ ! -e /c/go ]; do sleep 0.05; done; cat /ctx/file.txt > /out'\n",
      'file.txt': 'live\n',
    });
    const other = await context('other', { Dockerfile: 'FROM bb\nRUN echo other > /o\n' });
    const mount = cacheMount('sweep-live');
    for (let trial = 0; trial < 2; trial++) {
      await rm(mount, { recursive: true, force: true });
      await writeFile(join(dir, 'file.txt'), `live ${trial}\n`);
      const build = startKiln(root, ['build', '-t', 'live:1', dir]);
      await waitFor('the RUN step to start', async () => (existsSync(join(mount, 'started')) ? true : undefined), build);
      // A temp dir as kiln versions before owner-named ones made it: it may be a live one's.
      await mkdir(join(root, 'tmp', 'kiln-run-older'), { recursive: true });
      const held = await inventory(root);
      assert.is(held.containers.length, 1);
      assert.is(held.tmp.length, 2, "the build's tmp dir and the older kiln's");
      for (const args of [['images'], ['du'], ['inspect', 'bb'], ['tag', 'bb', 'bb:again'], ['build', '--no-cache', '-q', other], ['prune']]) ok(...args);
      assert.equal(await inventory(root), held, 'everything the live build holds is still there');
      await writeFile(join(mount, 'go'), '');
      assert.is(await build.exit, 0, build.output());
      assert.is(ok('run', '--rm', 'live:1', 'cat', '/out'), `live ${trial}\n`);
      assert.equal(await inventory(root), NOTHING_LEFT, 'a kiln that finishes leaves nothing either');
    }
  });

  test('a snapshot removal cut short (record gone, directory left; directory gone, record left) is finished by the next command; builds and runs work', async () => {
    const dir = await context('half', { Dockerfile: 'FROM bb\nRUN echo one > /one\nRUN echo two > /two\n' });
    ok('build', '-q', '-t', 'half:1', dir);
    const metaPath = join(root, 'snapshots', 'overlay', 'metadata.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { snapshots: Record<string, { id: string; parent?: string }> };
    const entries = Object.entries(meta.snapshots);
    const parents = new Set(entries.map(([, r]) => r.parent));
    // A leaf step snapshot loses its record (the new kiln's removal order: record first).
    const [leaf] = entries.filter(([k]) => k.startsWith('step-') && !parents.has(k));
    assert.ok(leaf !== undefined);
    delete meta.snapshots[leaf[0]];
    // The base layer's directory vanishes under its record (an older kiln's removal order, or a hand).
    const [base] = entries.filter(([k, r]) => k.startsWith('sha256:') && r.parent === undefined);
    assert.ok(base !== undefined);
    await writeFile(metaPath, JSON.stringify(meta));
    await rm(join(root, 'snapshots', 'overlay', 'l', base[1].id), { recursive: true });
    // A dead process's half-deleted and half-made directories.
    const dead = await deadProcessTag();
    for (const name of [`.rm-${dead}-aaaaaaaa`, `.new-${dead}-bbbbbbbb`]) await mkdir(join(root, 'snapshots', 'overlay', 'l', name, 'fs', 'x'), { recursive: true });
    const before = await inventory(root);
    assert.ok(before.unnamedDirs.includes(leaf[1].id) && before.danglingRecords.includes(base[0]));
    ok('images');
    assert.equal(await inventory(root), NOTHING_LEFT);
    assert.not.ok(base[0] in (await snapshotRecords(root)), 'the record without its directory is gone');
    ok('build', '-q', '-t', 'half:1', dir);
    assert.is(ok('run', '--rm', 'half:1', 'cat', '/one', '/two'), 'one\ntwo\n');
  });

  test("hostile: a dead owner's tmp entry that is a symlink to a mounted dir elsewhere loses only the symlink", async () => {
    const outside = join(tmp, 'outside');
    await mkdir(join(outside, 'mnt'), { recursive: true });
    await writeFile(join(outside, 'keep.txt'), 'keep\n');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(outside, 'mnt')]);
    try {
      await writeFile(join(outside, 'mnt', 'inside.txt'), 'inside\n');
      const dead = await deadProcessTag();
      await mkdir(join(root, 'tmp'), { recursive: true });
      await symlink(outside, join(root, 'tmp', dead));
      await symlink(outside, join(root, 'tmp', 'kiln-run-legacy'));
      ok('images');
      assert.equal(await readdir(join(root, 'tmp')), []);
      assert.equal(await mountPointsUnder(outside), [join(outside, 'mnt')], 'the mount elsewhere stays');
      assert.is(await readFile(join(outside, 'mnt', 'inside.txt'), 'utf8'), 'inside\n');
      assert.is(await readFile(join(outside, 'keep.txt'), 'utf8'), 'keep\n');
    } finally {
      execFileSync('umount', [join(outside, 'mnt')]);
    }
  });

  test('kill -9 of `kiln prune` while it deletes a snapshot, five times: the next command finishes the job and nothing dangles', async () => {
    const big = join(tmp, 'big');
    await mkdir(join(big, 'bin'), { recursive: true });
    await copyFile('/bin/busybox', join(big, 'bin', 'busybox'));
    for (let d = 0; d < 8; d++) {
      await mkdir(join(big, `d${d}`), { recursive: true });
      await Promise.all(Array.from({ length: 250 }, (_, f) => writeFile(join(big, `d${d}`, `f${f}`), `${d}/${f}\n`)));
    }
    const layers = join(root, 'snapshots', 'overlay', 'l');
    let caught = 0;
    for (let trial = 0; trial < 5; trial++) {
      await writeFile(join(big, 'trial'), `${trial}\n`);
      ok('import', await tarOf(big, join(tmp, 'big.tar')), 'big');
      ok('run', '--rm', 'big', '/bin/busybox', 'true');
      ok('rmi', 'big');
      const prune = startKiln(root, ['prune']);
      // Polled fast: the kill should land while a snapshot directory is being deleted.
      let seen: 'deleting' | 'finished' | undefined;
      for (let polls = 0; seen === undefined; polls++) {
        if (polls > 60_000) throw new Error(`prune neither deleted nor finished: ${prune.output()}`);
        if ((await readdir(layers)).some((n) => n.startsWith('.rm-'))) seen = 'deleting';
        else if (prune.child.exitCode !== null || prune.child.signalCode !== null) seen = 'finished';
        else await sleep(2);
      }
      if (seen === 'deleting') caught++;
      await prune.kill();
      ok('images');
      assert.equal(await inventory(root), NOTHING_LEFT);
      assert.is(ok('run', '--rm', 'bb', 'echo', 'fine'), 'fine\n');
    }
    assert.ok(caught > 0, 'no kill landed while a snapshot was being deleted');
  });

  test.run();
}

async function tarOf(dir: string, tarball: string): Promise<string> {
  execFileSync('tar', ['-cf', tarball, '-C', dir, '.']);
  return tarball;
}
