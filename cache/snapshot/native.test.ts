// The conformance suite on the copy-based snapshotter, plus what only it promises.
import { chown, link, lstat, mkdir, readFile, readlink, stat, symlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NativeSnapshotter } from './index.js';
import { withTempDir } from './test-support.js';
import { snapshotterSuite } from './testsuite.js';
import { rootReady } from '../../util/test-e2e.js';

snapshotterSuite('native', (dir) => new NativeSnapshotter(dir), { mountable: true }).run();

const copy = suite('native snapshotter: copies');

copy('prepare copies the parent tree with modes, symlinks, hard links and owners', () =>
  withTempDir(async (tmp) => {
    const sn = new NativeSnapshotter(join(tmp, 's'));
    await sn.prepare('a');
    const src = await sn.layerDir('a');
    await mkdir(join(src, 'bin'));
    await writeFile(join(src, 'bin', 'tool'), '#!/bin/sh\n');
    const root = rootReady('native snapshotter: copying foreign owners');
    // chown first: it clears the setuid bit.
    if (root) await chown(join(src, 'bin', 'tool'), 1234, 5678);
    await chmod(join(src, 'bin', 'tool'), 0o4751);
    await symlink('bin/tool', join(src, 'link'));
    await link(join(src, 'bin', 'tool'), join(src, 'hard'));
    await sn.commit('base', 'a');
    await sn.prepare('child', 'base');
    const dst = await sn.layerDir('child');
    const tool = await stat(join(dst, 'bin', 'tool'));
    assert.is(tool.mode & 0o7777, 0o4751);
    if (root) assert.equal([tool.uid, tool.gid], [1234, 5678]);
    assert.is(await readlink(join(dst, 'link')), 'bin/tool');
    assert.is((await lstat(join(dst, 'hard'))).ino, tool.ino, 'hard link kept within the tree');
    assert.is.not(tool.ino, (await stat(join(src, 'bin', 'tool'))).ino, 'a copy, not the same file');
  }),
);

copy('writes to a child never reach its parent', () =>
  withTempDir(async (tmp) => {
    const sn = new NativeSnapshotter(join(tmp, 's'));
    await sn.prepare('a');
    await writeFile(join(await sn.layerDir('a'), 'f'), 'parent');
    await sn.commit('base', 'a');
    await sn.prepare('child', 'base');
    await writeFile(join(await sn.layerDir('child'), 'f'), 'child');
    assert.is(await readFile(join(await sn.layerDir('base'), 'f'), 'utf8'), 'parent');
  }),
);

copy.run();
