import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NotFoundError } from '../util/errors.js';
import { readDockerfile } from './dockerfile-read.js';

let dir = '';
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-dfread-'));
});
test.after(() => rm(dir, { recursive: true, force: true }));

test('a missing Dockerfile falls back to dockerfile in the same directory', async () => {
  await mkdir(join(dir, 'lower'));
  await writeFile(join(dir, 'lower', 'dockerfile'), 'FROM lower\n');
  assert.is(await readDockerfile(join(dir, 'lower', 'Dockerfile'), 'lower/Dockerfile'), 'FROM lower\n');
});

test('Dockerfile wins over dockerfile when both exist', async () => {
  await mkdir(join(dir, 'both'));
  await writeFile(join(dir, 'both', 'dockerfile'), 'FROM lower\n');
  await writeFile(join(dir, 'both', 'Dockerfile'), 'FROM upper\n');
  // On a case-insensitive file system both names are one file; here they are two.
  assert.is(await readDockerfile(join(dir, 'both', 'Dockerfile'), 'both/Dockerfile'), 'FROM upper\n');
});

test('other names have no fallback; the message names the file asked for', async () => {
  await mkdir(join(dir, 'other'));
  await writeFile(join(dir, 'other', 'app.dockerfile'), 'FROM x\n');
  for (const [path, name] of [[join(dir, 'other', 'App.dockerfile'), 'other/App.dockerfile'], [join(dir, 'other', 'Dockerfile'), 'other/Dockerfile']] as const) {
    try {
      await readDockerfile(path, name);
      assert.unreachable(`${name} was read`);
    } catch (err) {
      assert.instance(err, NotFoundError);
      assert.is((err as Error).message, `dockerfile ${name}: no such file`);
    }
  }
});

test.run();
