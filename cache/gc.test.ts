import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from './content/index.js';
import type { CacheEntry, CachePolicy } from './gc-plan.js';
import { collect, type GcSources, type ImageRoots } from './gc.js';
import { acquireSession, type Lease } from './lease.js';
import { NativeSnapshotter } from './snapshot/index.js';

const test = suite('garbage collection');

interface Fixture {
  readonly dir: string;
  readonly content: LocalContentStore;
  readonly sn: NativeSnapshotter;
  readonly lease: Lease;
  records: CacheEntry[];
  roots: ImageRoots;
  gc(policy?: CachePolicy): ReturnType<typeof collect>;
  keys(): Promise<string[]>;
}

async function withRoot(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-gc-'));
  // Sessions started a second early (lease.ts): wait so the fixture's data is older than this test's collector.
  const lease = await acquireSession(dir);
  const f: Fixture = {
    dir,
    lease,
    content: new LocalContentStore(join(dir, 'oci')),
    sn: new NativeSnapshotter(join(dir, 'snap')),
    records: [],
    roots: { blobs: new Set(), snapshots: new Set() },
    gc: (policy = { buildCache: false }) => collect(lease, sources(f), policy),
    keys: async () => {
      const out: string[] = [];
      await f.sn.walk((i) => {
        out.push(i.key);
      });
      return out.sort();
    },
  };
  try {
    await fn(f);
  } finally {
    await lease.release();
    await rm(dir, { recursive: true, force: true });
  }
}

function sources(f: Fixture): GcSources {
  return {
    content: f.content,
    snapshotter: f.sn,
    records: {
      entries: async () => f.records,
      remove: async (e) => {
        f.records = f.records.filter((r) => r !== e);
      },
    },
    imageRoots: async () => f.roots,
    cacheMounts: { list: async () => [], remove: async () => undefined },
  };
}

/** Makes the fixture's data older than any session, as if written by an earlier kiln. */
async function age(f: Fixture): Promise<void> {
  const { utimes } = await import('node:fs/promises');
  const old = new Date(Date.now() - 3_600_000);
  await f.content.walk(async (b) => utimes(f.content.path(b.digest), old, old));
  const meta = join(f.dir, 'snap', 'metadata.json');
  const { readFile, writeFile } = await import('node:fs/promises');
  const text = await readFile(meta, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const m = JSON.parse(text) as { snapshots: Record<string, { createdAt: number }> };
  for (const s of Object.values(m.snapshots)) s.createdAt -= 3_600_000;
  await writeFile(meta, JSON.stringify(m));
}

async function committed(f: Fixture, key: string, parent?: string): Promise<void> {
  await f.sn.prepare(`${key}-active`, parent);
  await f.sn.commit(key, `${key}-active`);
}

test('removes unreferenced blobs and snapshots, keeps image roots and their parents', () =>
  withRoot(async (f) => {
    const keep = await f.content.writeBuffer('keep');
    await f.content.writeBuffer('drop');
    await committed(f, 'base');
    await committed(f, 'child', 'base');
    await committed(f, 'orphan', 'base');
    await f.sn.prepare('running', 'orphan');
    await age(f);
    f.roots = { blobs: new Set([keep.digest]), snapshots: new Set(['child']) };
    const r = await f.gc();
    assert.equal([r.result.blobs, r.result.snapshots], [1, 0], 'orphan has an active child: kept');
    assert.ok(await f.content.has(keep.digest));
    await f.sn.remove('running');
    assert.is((await f.gc()).result.snapshots, 1);
    assert.equal(await f.keys(), ['base', 'child']);
  }),
);

test('a build cache record keeps its snapshot and layer blob; --all-style policy removes them', () =>
  withRoot(async (f) => {
    const layer = await f.content.writeBuffer('layer');
    await f.sn.prepare('s1-active');
    await f.sn.commit('s1', 's1-active', { labels: { 'kiln.layer.diffid': layer.digest } });
    f.records = [{ id: 'r1', snapshots: ['s1'], lastUsed: Date.now() }];
    await age(f);
    assert.equal((await f.gc()).result, { records: 0, cacheMounts: 0, snapshots: 0, blobs: 0, bytes: 0 });
    const r = await f.gc({ buildCache: true });
    assert.equal([r.result.records, r.result.snapshots, r.result.blobs], [1, 1, 1]);
    assert.ok(r.result.bytes >= 5, 'freed bytes count the layer blob');
    assert.not.ok(await f.content.has(layer.digest));
  }),
);

test('until and keep-storage evict least recently used records first and keep the newest chain whole', () =>
  withRoot(async (f) => {
    const big = 'x'.repeat(100_000);
    for (const [i, parent] of [[1, undefined], [2, 's1'], [3, undefined], [4, 's3']] as const) {
      const blob = await f.content.writeBuffer(`${big}${i}`);
      await f.sn.prepare(`s${i}-active`, parent);
      await f.sn.commit(`s${i}`, `s${i}-active`, { labels: { 'kiln.layer.diffid': blob.digest } });
    }
    const now = Date.now();
    // Chain s1←s2 used an hour ago; chain s3←s4 used just now.
    f.records = [
      { id: 'r1', snapshots: ['s1'], lastUsed: now - 3_600_000 },
      { id: 'r2', snapshots: ['s2'], lastUsed: now - 3_600_000 },
      { id: 'r3', snapshots: ['s3'], lastUsed: now },
      { id: 'r4', snapshots: ['s4'], lastUsed: now },
    ];
    await age(f);
    const dry = await collect(f.lease, sources(f), { buildCache: true, usedBefore: now - 60_000 }, { dryRun: true });
    assert.equal(dry.plan.records.map((r) => r.id).sort(), ['r1', 'r2']);
    const r = await f.gc({ buildCache: true, keepBytes: 250_000 });
    assert.is(r.result.bytes, dry.plan.bytes, 'dry run and real run free the same');
    assert.equal(f.records.map((x) => x.id), ['r3', 'r4']);
    assert.equal(await f.keys(), ['s3', 's4']);
  }),
);

/** A second kiln process: holds a session, uses what it is told, and reports back. */
function otherKiln(dir: string, script: string): { child: ChildProcessWithoutNullStreams; line(): Promise<string> } {
  const lease = new URL('./lease.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { acquireSession } = await import(${JSON.stringify(lease)});
    const lease = await acquireSession(${JSON.stringify(dir)});
    ${script}
    setTimeout(() => {}, 60000);`]);
  let buf = '';
  const waiters: ((l: string) => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += String(d);
    for (let i = buf.indexOf('\n'); i >= 0 && waiters.length > 0; i = buf.indexOf('\n')) {
      waiters.shift()?.(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  return { child, line: () => new Promise((resolve) => waiters.push(resolve)) };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

test('what a live process recorded as used, or created since it started, survives; a dead one protects nothing', () =>
  withRoot(async (f) => {
    const reused = await f.content.writeBuffer('an old blob a build decided to reuse');
    await committed(f, 'cache-hit');
    await age(f);
    const other = otherKiln(f.dir, `
      await lease.use({ blobs: [${JSON.stringify(reused.digest)}], snapshots: ['cache-hit'] }, async () => undefined);
      process.stdout.write('ready\\n');`);
    try {
      assert.is(await other.line(), 'ready');
      const fresh = await f.content.writeBuffer('just written by a build that has not tagged yet');
      const r = await f.gc({ buildCache: true });
      assert.equal([r.result.blobs, r.result.snapshots], [0, 0]);
      assert.ok(await f.content.has(fresh.digest));
      assert.ok(await f.content.has(reused.digest));
    } finally {
      await stop(other.child);
    }
    await age(f);
    const r = await f.gc({ buildCache: true });
    assert.equal([r.result.blobs, r.result.snapshots], [2, 1], 'its lease is stale now');
  }),
);

test('a used manifest keeps its config and layers', () =>
  withRoot(async (f) => {
    const config = await f.content.writeBuffer('{"config":1}');
    const layer = await f.content.writeBuffer('layer bytes');
    const manifest = await f.content.writeBuffer(JSON.stringify({ schemaVersion: 2, config: { digest: config.digest }, layers: [{ digest: layer.digest }] }));
    await age(f);
    const other = otherKiln(f.dir, `
      await lease.use({ blobs: [${JSON.stringify(manifest.digest)}] }, async () => undefined);
      process.stdout.write('ready\\n');`);
    try {
      await other.line();
      assert.is((await f.gc()).result.blobs, 0);
    } finally {
      await stop(other.child);
    }
  }),
);

test('a reuse waits for a running collection, and a collection for a reuse (one lock across processes)', () =>
  withRoot(async (f) => {
    const events: string[] = [];
    const other = otherKiln(f.dir, `
      process.stdout.write('ready\\n');
      process.stdin.once('data', async () => {
        process.stdout.write('use-start\\n');
        await lease.use({ snapshots: ['x'] }, async () => undefined);
        process.stdout.write('use-done\\n');
      });`);
    try {
      await other.line();
      await f.lease.collect(async () => {
        events.push('collect-start');
        other.child.stdin.write('go\n');
        events.push(await other.line());
        // Give the other process every chance to (wrongly) get in.
        await new Promise((r) => setTimeout(r, 300));
        events.push('collect-end');
      });
      events.push(await other.line());
      assert.equal(events, ['collect-start', 'use-start', 'collect-end', 'use-done']);
    } finally {
      await stop(other.child);
    }
  }),
);

test.run();

