import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parallelGzip } from './gzip.js';

async function gz(data: Buffer, chunkSize: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of parallelGzip(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { chunkSize })) parts.push(c);
  return Buffer.concat(parts);
}

test('round-trips compressible, random and empty data through gunzip, deterministically', async () => {
  const text = Buffer.from('kiln layer '.repeat(100_000));
  const random = randomBytes(700_000);
  for (const data of [text, random, Buffer.alloc(0), Buffer.concat([text, random])]) {
    const a = await gz(data, 256 * 1024);
    assert.ok(gunzipSync(a).equals(data));
    assert.ok(a.equals(await gz(data, 256 * 1024)), 'not deterministic');
  }
  assert.ok((await gz(text, 256 * 1024)).length < text.length / 20);
  assert.ok((await gz(random, 256 * 1024)).length < random.length * 1.001, 'random data is stored, not inflated');
});

test.run();
