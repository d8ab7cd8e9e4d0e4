// RUN --mount=type=cache,source=SUB: hostile SUB paths and links in the cache never leave it.
import { readlinkSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../util/errors.js';
import { HOSTILE_CASES, hostileRoot, type HostileRoot } from '../../util/test-root-cases.js';
import { openCacheSubpath } from './cache-source.js';

const test = suite('cache mount source=');
let sb: HostileRoot;

test.before(async () => {
  sb = await hostileRoot();
  await mkdir(join(sb.root, 'nested', 'deep'));
  await writeFile(join(sb.root, 'nested', 'file'), 'x');
  await symlink('nested/deep', join(sb.root, 'inside'));
});
test.after(() => sb.remove());

const failure = (source: string): unknown => {
  try {
    const held = openCacheSubpath(sb.root, source, 'c1');
    held.close();
    return `mounted ${readlinkSync(held.path)}`;
  } catch (err) {
    return err;
  }
};

test('SUB is opened inside the cache and handed over as an open file', async () => {
  const held = openCacheSubpath(sb.root, '/nested/deep', 'c1');
  try {
    assert.match(held.path, new RegExp(`^/proc/${process.pid}/fd/\\d+$`));
    assert.is(readlinkSync(held.path), join(sb.root, 'nested', 'deep'));
  } finally {
    held.close();
  }
  const viaLink = openCacheSubpath(sb.root, '/inside', 'c1');
  assert.is(readlinkSync(viaLink.path), join(sb.root, 'nested', 'deep'), 'a link that stays in the cache is followed');
  viaLink.close();
  const file = openCacheSubpath(sb.root, '/nested/file', 'c1');
  assert.is(readlinkSync(file.path), join(sb.root, 'nested', 'file'));
  file.close();
});

for (const c of HOSTILE_CASES) {
  test(`refused, never mounted: ${c.path}`, () => {
    const err = failure(c.path);
    if (c.lands === 'loop') {
      assert.instance(err, FailedPreconditionError, String(err));
      assert.match((err as Error).message, 'too many levels of symbolic links');
      return;
    }
    assert.instance(err, InvalidArgumentError, String(err));
    assert.match((err as Error).message, `mount source ${JSON.stringify(c.path)} of cache "c1": leaves the cache (`);
  });
}

test('a cache directory reached through a symlink still opens (the check compares real paths)', async () => {
  const alias = join(sb.sandbox, 'alias');
  await symlink(sb.root, alias);
  const held = openCacheSubpath(alias, '/nested/deep', 'c1');
  assert.is(readlinkSync(held.path), join(sb.root, 'nested', 'deep'));
  held.close();
});

test('a link to an absolute path names itself in the message', () => {
  assert.is((failure('/abs/secret') as Error).message, 'mount source "/abs/secret" of cache "c1": leaves the cache (/abs -> /outside)');
});

test('a missing SUB is not found (BuildKit fails too)', () => {
  const err = failure('/nope/x');
  assert.instance(err, NotFoundError);
  assert.is((err as Error).message, 'mount source "/nope/x" of cache "c1": not found');
});

test.run();
