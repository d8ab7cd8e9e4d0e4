/**
 * The conformance suite every {@link ContentStore} implementation (and fake)
 * runs, modelled on containerd's core/content/testsuite. Call it from the
 * implementation's test file: `contentStoreSuite('local', factory)`.
 */
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256, type Digest } from '../../util/digest.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { collect, drain, generated, hashStream, pollInfo, rejects, slowSource } from './testsuite-helpers.js';
import type { ContentStore } from './types.js';

/** Makes a fresh, empty store and disposes of it. */
export type ContentStoreFactory = () => Promise<{ store: ContentStore; cleanup(): Promise<void> }>;

const MiB = 1024 * 1024;

/** Registers and runs the content-store conformance tests for one implementation. */
export function contentStoreSuite(name: string, factory: ContentStoreFactory): void {
  const test = suite(`ContentStore conformance: ${name}`);
  const it = (title: string, fn: (store: ContentStore) => Promise<void>): void =>
    test(title, async () => {
      const { store, cleanup } = await factory();
      try {
        await fn(store);
      } finally {
        await cleanup();
      }
    });

  it('writeBuffer commits a blob that info, has, readAll, reader and path see', async (store) => {
    const before = Date.now();
    const info = await store.writeBuffer('hello kiln');
    assert.is(info.digest, sha256('hello kiln'));
    assert.is(info.size, 10);
    assert.ok(info.createdAt >= before - 2000 && info.createdAt <= Date.now() + 2000, `createdAt ${info.createdAt} is not about now`);
    assert.equal(await store.info(info.digest), info);
    assert.ok(await store.has(info.digest));
    assert.is((await store.readAll(info.digest)).toString(), 'hello kiln');
    assert.is((await drain(await store.reader(info.digest))).toString(), 'hello kiln');
    assert.is((await stat(store.path(info.digest))).size, 10);
  });

  it('a writer counts its offset and commits what it was fed, verified against expected', async (store) => {
    const w = await store.writer({ ref: 'two-parts' });
    await w.write(Buffer.from('abc'));
    assert.is(w.offset, 3);
    await w.write(Buffer.from('def'));
    assert.is(w.offset, 6);
    const info = await w.commit({ digest: sha256('abcdef'), size: 6 });
    assert.equal([info.digest, info.size], [sha256('abcdef'), 6]);
    assert.is((await store.readAll(info.digest)).toString(), 'abcdef');
    const empty = await store.writeBuffer(new Uint8Array(0), { size: 0 });
    assert.is(empty.digest, sha256(''));
  });

  it('absent blobs: NotFoundError naming the digest; has is false', async (store) => {
    const d = sha256('never written');
    assert.is(await store.has(d), false);
    // Started one at a time: a promise that rejects before anyone awaits it is an unhandled rejection.
    for (const op of [() => store.info(d), () => store.reader(d), () => store.readAll(d), () => store.delete(d)]) {
      const err = await rejects(op(), NotFoundError);
      assert.ok(err.message.includes(d), err.message);
    }
  });

  it('malformed digests are InvalidArgumentError', async (store) => {
    await rejects(store.info('sha256:abc' as Digest), InvalidArgumentError);
    await rejects(store.has('md5:00' as Digest), InvalidArgumentError);
    assert.throws(() => store.path('sha256:../../etc/passwd' as Digest), (e: unknown) => e instanceof InvalidArgumentError);
  });

  it('walk visits every committed blob once; delete removes one', async (store) => {
    const infos = await Promise.all(['a', 'b', 'c'].map((s) => store.writeBuffer(s)));
    const seen = await collect(store);
    assert.equal(seen.map((i) => i.digest).sort(), infos.map((i) => i.digest).sort());
    assert.equal(seen.find((i) => i.digest === sha256('b'))?.size, 1);
    await store.delete(sha256('b'));
    assert.is(await store.has(sha256('b')), false);
    assert.equal((await collect(store)).map((i) => i.digest).sort(), [sha256('a'), sha256('c')].sort());
    await rejects(store.delete(sha256('b')), NotFoundError);
  });

  it('a wrong digest fails the commit, naming both digests, and leaves nothing behind', async (store) => {
    const wrong = sha256('something else');
    const w = await store.writer({ ref: 'wrong-digest' });
    await w.write(Buffer.from('payload'));
    const err = await rejects(w.commit({ digest: wrong }), FailedPreconditionError);
    assert.ok(err.message.includes(wrong) && err.message.includes(sha256('payload')), err.message);
    assert.is(await store.has(sha256('payload')), false);
    assert.is(await store.has(wrong), false);
    assert.is(await store.cleanupIngests(), 0, 'nothing stale is left behind');
    await (await store.writer({ ref: 'wrong-digest' })).abort();
    await rejects(store.writeBuffer('payload', { digest: wrong }), FailedPreconditionError);
    assert.equal(await collect(store), []);
  });

  it('a wrong size fails the commit, naming both sizes', async (store) => {
    const err = await rejects(store.writeBuffer('12345', { size: 4 }), FailedPreconditionError);
    assert.match(err.message, /\b5\b/);
    assert.match(err.message, /\b4\b/);
    const short = await rejects(store.writeBuffer('123', { size: 4 }), FailedPreconditionError);
    assert.match(short.message, /\b3\b/);
    const w = await store.writer({ expected: { size: 2 } });
    await rejects(w.write(Buffer.from('abc')).then(() => w.commit()), FailedPreconditionError);
    await w.abort();
    assert.equal(await collect(store), []);
    assert.is(await store.cleanupIngests(), 0);
  });

  it('committing content that already exists succeeds and keeps one blob', async (store) => {
    const first = await store.writeBuffer('same', { digest: sha256('same') });
    const a = await store.writer({ ref: 'dup-a' });
    const b = await store.writer({ ref: 'dup-b' });
    await a.write(Buffer.from('same'));
    await b.write(Buffer.from('same'));
    const [ia, ib] = [await a.commit(), await b.commit()];
    assert.equal([ia.digest, ib.digest, ia.size], [first.digest, first.digest, 4]);
    assert.equal((await collect(store)).map((i) => i.digest), [first.digest]);
    assert.is((await store.readAll(first.digest)).toString(), 'same');
  });

  it('abort() drops the write; the ref is free again', async (store) => {
    const w = await store.writer({ ref: 'to-abort' });
    await w.write(Buffer.from('partial'));
    await w.abort();
    await w.abort();
    await rejects(w.write(Buffer.from('x')), FailedPreconditionError);
    assert.is(await store.has(sha256('partial')), false);
    const again = await store.writer({ ref: 'to-abort' });
    await again.write(Buffer.from('whole'));
    assert.is((await again.commit()).digest, sha256('whole'));
    assert.is(await store.cleanupIngests(), 0);
  });

  it('an aborted signal removes the ingest and rejects later calls and writeStream', async (store) => {
    const pre = new AbortController();
    pre.abort();
    await rejects(store.writer({ signal: pre.signal }), Error, /abort/i);
    const ac = new AbortController();
    const w = await store.writer({ ref: 'signalled', signal: ac.signal });
    await w.write(Buffer.from('some'));
    ac.abort();
    await rejects(w.write(Buffer.from('more')), Error, /abort/i);
    await rejects(w.commit(), Error, /abort/i);
    await (await store.writer({ ref: 'signalled' })).abort();
    const sc = new AbortController();
    const stream = slowSource(64 * 1024, 1000, () => sc.abort());
    await rejects(store.writeStream(stream, undefined, { signal: sc.signal }), Error, /abort/i);
    assert.equal(await collect(store), []);
    assert.is(await store.cleanupIngests(), 0, 'aborted ingests are removed, not left for cleanup');
  });

  it('a second writer on a live ref fails with FailedPreconditionError until the first is done', async (store) => {
    const first = await store.writer({ ref: 'shared-ref' });
    await first.write(Buffer.from('one'));
    await rejects(store.writer({ ref: 'shared-ref' }), FailedPreconditionError, /shared-ref/);
    assert.is(await store.cleanupIngests(), 0, 'a live ingest is not cleaned up');
    await first.write(Buffer.from('two'));
    assert.is((await first.commit()).digest, sha256('onetwo'));
    const second = await store.writer({ ref: 'shared-ref' });
    await second.abort();
    const many = await Promise.allSettled(Array.from({ length: 8 }, () => store.writer({ ref: 'race' })));
    const won = many.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.is(won.length, 1, 'exactly one of 8 concurrent writers gets the ref');
    for (const r of many) if (r.status === 'rejected') assert.instance(r.reason, FailedPreconditionError);
    await won[0]?.abort();
  });

  it('writeStream takes Readables and async iterables, strings included', async (store) => {
    const a = await store.writeStream(Readable.from(['ab', 'cd']), { digest: sha256('abcd'), size: 4 });
    assert.is(a.digest, sha256('abcd'));
    const gen = async function* (): AsyncGenerator<Uint8Array> {
      yield Buffer.from('ef');
      yield Buffer.from('gh');
    };
    assert.is((await store.writeStream(gen())).digest, sha256('efgh'));
  });

  it('a 64 MiB blob streams through without being buffered (RSS grows < 40 MiB)', async (store) => {
    const src = generated(64 * MiB, 256 * 1024, 1);
    const info = await store.writeStream(src, { size: 64 * MiB });
    assert.equal([info.digest, info.size], [src.digest(), 64 * MiB]);
    const growth = (src.rss.peak - src.rss.base) / MiB;
    assert.ok(growth < 40, `rss grew by ${growth.toFixed(1)} MiB while writing 64 MiB`);
    assert.equal(await hashStream(await store.reader(info.digest)), { digest: info.digest, size: 64 * MiB });
  });

  it('committed blobs are read-only files', async (store) => {
    const info = await store.writeBuffer('frozen');
    const mode = (await stat(store.path(info.digest))).mode & 0o777;
    assert.is(mode & 0o222, 0, `mode ${mode.toString(8)} has write bits`);
  });

  it('content is never visible before commit, and whole once visible', async (store) => {
    const size = 16 * MiB;
    const { digest } = await hashStream(generated(size, 512 * 1024, 2));
    const w = await store.writer({ ref: 'visibility', expected: { digest, size } });
    for await (const chunk of generated(size, 512 * 1024, 2)) {
      await w.write(chunk as Buffer);
      assert.is(await store.has(digest), false);
      await rejects(store.info(digest), NotFoundError);
    }
    assert.equal(await collect(store), []);
    const polls = pollInfo(store, digest);
    const info = await w.commit();
    const seen = await polls.stop();
    assert.equal([info.digest, info.size], [digest, size]);
    for (const s of seen) assert.is(s, size, 'a blob visible during commit is whole');
    assert.is((await store.info(digest)).size, size);
  });

  test.run();
}
