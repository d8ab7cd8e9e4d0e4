import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError } from '../util/errors.js';
import { rootLayout } from '../util/root-layout.js';
import { rejects } from '../util/test-assert.js';
import { gcConfig } from './gc-config.js';

test('settings come from <root>/kiln.json; a missing file means defaults', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    assert.is((await gcConfig(rootLayout(root), {})).enabled, true);
    await writeFile(join(root, 'kiln.json'), '{"gc": {"enabled": false}}');
    assert.is((await gcConfig(rootLayout(root), {})).enabled, false);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a settings file that exists but cannot be read is an error naming it, not "no settings"', async () => {
  const root = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  try {
    await mkdir(join(root, 'kiln.json'));
    await rejects(gcConfig(rootLayout(root), {}), (err: unknown) => err instanceof FailedPreconditionError && (err as Error).message.startsWith(`cannot read ${join(root, 'kiln.json')}:`));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test.run();
