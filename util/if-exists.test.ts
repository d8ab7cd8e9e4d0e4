import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from './test-assert.js';
import { ifExists } from './if-exists.js';

test('ENOENT reads as absent; other failures (ENOTDIR, EISDIR) propagate', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    await writeFile(join(dir, 'file'), 'x');
    assert.is(await ifExists(stat(join(dir, 'nope'))), undefined);
    assert.is(await ifExists(readFile(join(dir, 'file'), 'utf8')), 'x');
    await rejects(ifExists(stat(join(dir, 'file', 'below'))), (err) => (err as NodeJS.ErrnoException).code === 'ENOTDIR');
    await rejects(ifExists(readFile(dir, 'utf8')), (err) => (err as NodeJS.ErrnoException).code === 'EISDIR');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
