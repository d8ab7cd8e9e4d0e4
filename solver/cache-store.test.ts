// Cache stores: the conformance suite for both implementations, then what is
// particular to the JSON-file one: its layout, damaged files, and writers in
// other processes.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryCacheStore } from './cache-store.js';
import { cacheStoreSuite, key } from './cache-store.testsuite.js';
import { JsonFileCacheStore } from './json-cache-store.js';
import { World } from './test-support.js';

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'kiln-cache-index-'));

cacheStoreSuite('MemoryCacheStore', async (world) => ({ store: new MemoryCacheStore(world.loader), cleanup: async () => {} }));

cacheStoreSuite('JsonFileCacheStore', async (world) => {
  const dir = await tempDir();
  // A directory that does not exist yet: the store creates it on first write.
  return { store: new JsonFileCacheStore(join(dir, 'cache'), world.loader), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

const test = suite('JsonFileCacheStore');
const it = (title: string, fn: (dir: string, store: JsonFileCacheStore) => Promise<void>): void =>
  test(title, async () => {
    const dir = await tempDir();
    try {
      await fn(dir, new JsonFileCacheStore(dir, new World().loader));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

const hex = (s: string): string => key(s).slice('sha256:'.length);

it('keeps one JSON file per key, named by the key, and no temp files', async (dir, store) => {
  await store.set({ key: key('a'), results: ['snap-1'], createdAt: 5 });
  assert.equal(await readdir(dir), [`${hex('a')}.json`]);
  assert.equal(JSON.parse(await readFile(join(dir, `${hex('a')}.json`), 'utf8')), { format: 1, key: key('a'), results: ['snap-1'], createdAt: 5 });
  assert.is(await new JsonFileCacheStore(dir, new World().loader).get(key('a')).then((r) => r?.results[0]), 'snap-1', 'another instance reads it');
});

it('a torn or foreign record file reads as a miss, list skips it, and set repairs it', async (dir, store) => {
  const damaged = {
    a: '{"format":1,"key":"sha256:',
    b: '\u0000\u0000garbage',
    c: JSON.stringify({ format: 1, key: key('not c'), results: ['x'], createdAt: 1 }),
    d: JSON.stringify({ format: 1, key: key('d'), results: [7], createdAt: 1 }),
    e: JSON.stringify({ format: 2, key: key('e'), results: ['x'], createdAt: 1 }),
    f: '',
  };
  for (const [k, body] of Object.entries(damaged)) await writeFile(join(dir, `${hex(k)}.json`), body);
  await writeFile(join(dir, `.${hex('g')}.json.tmp-1-abcd`), '{"half":');
  await writeFile(join(dir, 'README'), 'not a record');
  for (const k of Object.keys(damaged)) assert.is(await store.get(key(k)), undefined, k);
  assert.equal(await store.list(), []);
  await store.set({ key: key('a'), results: ['fixed'], createdAt: 2 });
  assert.equal((await store.list()).map((r) => r.results), [['fixed']]);
});

it('a missing directory lists as empty and reads as misses', async (dir) => {
  const store = new JsonFileCacheStore(join(dir, 'absent'), new World().loader);
  assert.equal(await store.list(), []);
  assert.is(await store.get(key('a')), undefined);
  await store.delete(key('a'));
});

it('writers in other processes: every read sees a whole record, the last write wins', async (dir, store) => {
  const writer = (tag: string) =>
    new Promise<void>((resolve, reject) => {
      const src = `
        const { JsonFileCacheStore } = await import(${JSON.stringify(new URL('./json-cache-store.js', import.meta.url).href)});
        const store = new JsonFileCacheStore(${JSON.stringify(dir)}, async () => undefined);
        for (let i = 0; i < 60; i++) await store.set({ key: ${JSON.stringify(key('shared'))}, results: ['${tag}-' + i, 'x'.repeat(4096)], createdAt: i });`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${tag} exited ${code}`))));
    });
  let reads = 0;
  let misses = 0;
  let done = false;
  const reader = (async () => {
    while (!done) {
      const rec = await store.get(key('shared'));
      if (rec === undefined) {
        if (reads > 0) misses++; // once written, a key never reads as torn or absent
      } else {
        assert.match(rec.results[0] ?? '', /^[pq]-\d+$/);
        assert.is(rec.results[1]?.length, 4096);
        reads++;
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  await Promise.all([writer('p'), writer('q')]);
  done = true;
  await reader;
  assert.ok(reads > 0, 'the reader saw records while the writers ran');
  assert.is(misses, 0, 'reads between writes never saw a torn record');
  assert.match((await store.get(key('shared')))?.results[0] ?? '', /^[pq]-59$/);
  assert.equal((await readdir(dir)).filter((f) => f.includes('.tmp-')), [], 'no temp files left');
});

test.run();
