import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from './content/index.js';
import { collectGarbage } from './gc.js';
import { acquireSession, oldestOtherSession } from './lease.js';
import { NativeSnapshotter } from './snapshot/index.js';

const test = suite('collectGarbage');

async function withRoot(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-gc-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('removes unreferenced blobs and snapshots, keeps roots and their parents', () =>
  withRoot(async (dir) => {
    const content = new LocalContentStore(join(dir, 'oci'));
    const keep = await content.writeBuffer('keep');
    const drop = await content.writeBuffer('drop');
    const sn = new NativeSnapshotter(join(dir, 'snap'));
    await sn.prepare('p-active');
    await sn.commit('base', 'p-active');
    await sn.prepare('c-active', 'base');
    await sn.commit('child', 'c-active');
    await sn.prepare('o-active', 'base');
    await sn.commit('orphan', 'o-active');
    await sn.prepare('running', 'orphan');
    const r = await collectGarbage(content, sn, { blobs: new Set([keep.digest]), snapshots: new Set(['child']) }, undefined);
    assert.equal(r, { blobs: 1, blobBytes: 4, snapshots: 0 }, 'orphan has an active child: kept');
    assert.ok(await content.has(keep.digest));
    assert.not.ok(await content.has(drop.digest));
    await sn.remove('running');
    const r2 = await collectGarbage(content, sn, { blobs: new Set([keep.digest]), snapshots: new Set(['child']) }, undefined);
    assert.is(r2.snapshots, 1);
    const left: string[] = [];
    await sn.walk((i) => {
      left.push(i.key);
    });
    assert.equal(left.sort(), ['base', 'child']);
  }),
);

test('keeps what was created after the oldest live session started', () =>
  withRoot(async (dir) => {
    const content = new LocalContentStore(join(dir, 'oci'));
    // Another "kiln": a live process holding a session lease in this root.
    const other = spawn(process.execPath, ['--input-type=module', '-e', `
      const { acquireSession } = await import(${JSON.stringify(new URL('./lease.js', import.meta.url).href)});
      await acquireSession(${JSON.stringify(dir)});
      process.stdout.write('ready\\n');
      setTimeout(() => {}, 60000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => other.stdout.once('data', () => resolve()));
      const fresh = await content.writeBuffer('just written by a build that has not tagged yet');
      const cutoff = await oldestOtherSession(dir);
      assert.ok(cutoff !== undefined, 'the other session is seen');
      const r = await collectGarbage(content, undefined, { blobs: new Set(), snapshots: new Set() }, cutoff);
      assert.is(r.blobs, 0);
      assert.ok(await content.has(fresh.digest));
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    // Its lease is stale now: removed, and nothing protects the blob any more.
    assert.is(await oldestOtherSession(dir), undefined);
    const mine = await acquireSession(dir);
    assert.is(await oldestOtherSession(dir), undefined, 'a process does not protect from itself');
    await mine.release();
    const r = await collectGarbage(content, undefined, { blobs: new Set(), snapshots: new Set() }, undefined);
    assert.is(r.blobs, 1);
  }),
);

test.run();
