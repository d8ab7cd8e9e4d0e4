/**
 * The conformance suite every {@link CacheStore} implementation (and fake)
 * runs. Call it from the implementation's test file:
 * `cacheStoreSuite('json', factory)`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../util/digest.js';
import type { CacheRecord, CacheStore } from './cache-store.js';
import { World } from './test-support.js';
import type { CacheKey } from './types.js';

/** Makes a fresh, empty store over `world.loader`, and disposes of it. */
export type CacheStoreFactory = (world: World) => Promise<{ store: CacheStore; cleanup(): Promise<void> }>;

/** A cache key for tests. */
export const key = (s: string): CacheKey => sha256(s) as CacheKey;

const record = (k: string, results: string[], createdAt = 1_700_000_000_000): CacheRecord => ({ key: key(k), results, createdAt });

/** Registers and runs the cache-store conformance tests for one implementation. */
export function cacheStoreSuite(name: string, factory: CacheStoreFactory): void {
  const test = suite(`CacheStore conformance: ${name}`);
  const it = (title: string, fn: (store: CacheStore, world: World) => Promise<void>): void =>
    test(title, async () => {
      const world = new World();
      const { store, cleanup } = await factory(world);
      try {
        await fn(store, world);
      } finally {
        await cleanup();
      }
    });

  it('get of an unknown key is undefined; list of an empty store is empty', async (store) => {
    assert.is(await store.get(key('nothing')), undefined);
    assert.equal(await store.list(), []);
  });

  it('set then get returns the record; the last set of a key wins', async (store) => {
    await store.set(record('a', ['r1', 'r2']));
    assert.equal(await store.get(key('a')), record('a', ['r1', 'r2']));
    await store.set(record('a', ['r3'], 1_700_000_000_001));
    assert.equal(await store.get(key('a')), record('a', ['r3'], 1_700_000_000_001));
    assert.is(await store.get(key('b')), undefined);
  });

  it('a stored record does not change when the caller mutates what it passed', async (store) => {
    const results = ['r1'];
    await store.set({ key: key('a'), results, createdAt: 1 });
    results.push('r2');
    assert.equal((await store.get(key('a')))?.results, ['r1']);
  });

  it('list returns every record; delete removes one', async (store) => {
    await store.set(record('a', ['r1']));
    await store.set(record('b', ['r2']));
    const keys = (await store.list()).map((r) => r.key).sort();
    assert.equal(keys, [key('a'), key('b')].sort());
    await store.delete(key('a'));
    await store.delete(key('never'));
    assert.equal((await store.list()).map((r) => r.key), [key('b')]);
    assert.is(await store.get(key('a')), undefined);
  });

  it('load gives new references for every id, in order', async (store, world) => {
    const a = world.create('a', 'x');
    const b = world.create('b', 'y');
    await store.set(record('k', [a.id, b.id]));
    const rec = await store.get(key('k'));
    assert.ok(rec);
    const loaded = await store.load(rec);
    assert.equal(loaded?.map((r) => r.id), [a.id, b.id]);
    assert.ok(loaded?.[0] !== a, 'a new reference, not the original');
  });

  it('load is all or nothing: when one result is gone it is undefined and the rest are released', async (store, world) => {
    const a = world.create('a', 'x');
    await store.set(record('k', [a.id, 'gone#1']));
    const rec = await store.get(key('k'));
    assert.ok(rec);
    assert.is(await store.load(rec), undefined);
    assert.equal(world.live(), [a.id], 'only the original reference is left');
  });

  test.run();
}
