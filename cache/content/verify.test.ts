// Verifying blobs while they stream: a damaged blob fails with DataLossError
// naming it, before its consumer has seen all of it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Digest } from '../../util/digest.js';
import { DataLossError } from '../../util/errors.js';
import { rejects } from '../../util/test-assert.js';
import { flipByte } from '../../util/test-damage.js';
import { LocalContentStore } from './local.js';
import { BlobVerifier, damagedDigest, readVerified, verifiedRanges, VerifyingStream } from './verify.js';

const test = suite('blob verification');
let dir = '';
let store: LocalContentStore;
const MiB = 1024 * 1024;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-verify-'));
  store = new LocalContentStore(dir);
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A fresh 3 MiB blob (several read chunks). */
async function blob(): Promise<{ digest: Digest; size: number; data: Buffer }> {
  const data = randomBytes(3 * MiB);
  const info = await store.writeBuffer(data);
  return { digest: info.digest, size: info.size, data };
}

/** Drains `source` into a buffer list; returns what arrived and the error, if any. */
async function drain(source: Readable, ...through: NodeJS.ReadWriteStream[]): Promise<{ got: Buffer; err: unknown }> {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      parts.push(chunk);
      cb();
    },
  });
  let err: unknown;
  await pipeline([source, ...through, sink]).catch((e: unknown) => {
    err = e;
  });
  return { got: Buffer.concat(parts), err };
}

const isDamage = (digest: Digest) => (e: unknown): boolean =>
  e instanceof DataLossError && e.message.includes(`blob ${digest} is damaged`) && e.message.includes('kiln check --repair');

test('an intact blob passes through unchanged', async () => {
  const b = await blob();
  const r = await drain(await store.reader(b.digest), new VerifyingStream(new BlobVerifier(b.digest, b.size)));
  assert.is(r.err, undefined);
  assert.ok(r.got.equals(b.data));
  assert.is(await damagedDigest(store.path(b.digest), b.digest), undefined);
});

test('a flipped byte fails with DataLossError naming the blob, and the consumer never gets the whole blob', async () => {
  const b = await blob();
  await flipByte(store.path(b.digest), 10);
  const r = await drain(await store.reader(b.digest), new VerifyingStream(new BlobVerifier(b.digest, b.size)));
  assert.ok(isDamage(b.digest)(r.err), String(r.err));
  assert.ok(r.got.length < b.size, `consumer got ${r.got.length} of ${b.size} bytes`);
  assert.match(String(await damagedDigest(store.path(b.digest), b.digest)), /^sha256:[a-f0-9]{64}$/);
});

test('a blob longer than its recorded size fails as soon as it exceeds it', async () => {
  const b = await blob();
  const r = await drain(await store.reader(b.digest), new VerifyingStream(new BlobVerifier(b.digest, MiB)));
  assert.ok(r.err instanceof DataLossError && /longer than its recorded 1048576 bytes/.test(r.err.message), String(r.err));
  assert.ok(r.got.length <= MiB);
});

test('ranges read in order verify as one blob; a flip in the first range fails the last; starting at 0 again hashes afresh', async () => {
  const b = await blob();
  const ranges = (): [number, number][] => [[0, MiB], [MiB, 2 * MiB], [2 * MiB, b.size]];
  let open = verifiedRanges(store.path(b.digest), b.digest, b.size);
  const parts: Buffer[] = [];
  for (const [s, e] of ranges()) parts.push((await drain(open(s, e))).got);
  assert.ok(Buffer.concat(parts).equals(b.data));
  // A retried upload reads from 0 again through the same opener.
  for (const [s, e] of ranges()) assert.is((await drain(open(s, e))).err, undefined);

  await flipByte(store.path(b.digest), 5);
  open = verifiedRanges(store.path(b.digest), b.digest, b.size);
  const [first, second, last] = ranges() as [[number, number], [number, number], [number, number]];
  assert.is((await drain(open(...first))).err, undefined);
  assert.is((await drain(open(...second))).err, undefined);
  const end = await drain(open(...last));
  assert.ok(isDamage(b.digest)(end.err), String(end.err));
  assert.ok(end.got.length < last[1] - last[0], 'the last range is held back');
  assert.throws(() => open(2 * MiB, b.size), /read from 2097152, but hashed up to 3145728/);
});

test('damagedDigest of a missing blob rejects with ENOENT (the caller tells gone from damaged)', async () => {
  const missing = `sha256:${'0'.repeat(64)}` as Digest;
  await rejects(damagedDigest(store.path(missing), missing), (e) => (e as NodeJS.ErrnoException).code === 'ENOENT');
});

test('a one-shot stream of an empty blob verifies', async () => {
  const info = await store.writeBuffer('');
  const r = await drain(Readable.from([]), new VerifyingStream(new BlobVerifier(info.digest, 0)));
  assert.is(r.err, undefined);
  const ranged = await drain(verifiedRanges(store.path(info.digest), info.digest, 0)(0, 0));
  assert.is(ranged.err, undefined);
  assert.is(ranged.got.length, 0);
});

test('readVerified returns a small blob whole, and refuses a damaged one naming it', async () => {
  const info = await store.writeBuffer('{"schemaVersion":2}');
  assert.is((await readVerified(store, info.digest)).toString(), '{"schemaVersion":2}');
  await flipByte(store.path(info.digest), 3);
  await rejects(readVerified(store, info.digest), isDamage(info.digest));
});

test.run();
