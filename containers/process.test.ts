import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { processArgs, processEnv, runProcess } from './process.js';
import { rejects } from '../util/test-assert.js';

const flags = { env: [], envFile: [] };
const test = suite('kiln run: Docker rules for the process');

test('Entrypoint + Cmd; arguments replace Cmd; --entrypoint drops Cmd', () => {
  const config = { Entrypoint: ['/ep', 'x'], Cmd: ['c1', 'c2'] };
  assert.equal(processArgs(config, flags, []), ['/ep', 'x', 'c1', 'c2']);
  assert.equal(processArgs(config, flags, ['a']), ['/ep', 'x', 'a']);
  assert.equal(processArgs(config, { ...flags, entrypoint: '/other' }, []), ['/other']);
  assert.equal(processArgs(config, { ...flags, entrypoint: '/other' }, ['y']), ['/other', 'y']);
  assert.equal(processArgs({ Cmd: ['sh'] }, flags, []), ['sh']);
  assert.equal(processArgs({ Entrypoint: ['/ep'], Cmd: ['c'] }, { ...flags, entrypoint: '' }, ['z']), ['z']);
  assert.throws(() => processArgs({}, flags, []), /no command specified/);
});

test('env: image, then env files, then -e; K alone takes the caller value', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-env-'));
  try {
    const file = join(dir, 'env');
    await writeFile(file, '# comment\n\nA=from-file\nB=file\nHOSTONLY\n');
    const env = await processEnv({ Env: ['PATH=/bin', 'A=image'] }, { env: ['B=flag', 'C=1=2'], envFile: [file] }, { HOSTONLY: 'h' });
    assert.equal(env, ['PATH=/bin', 'A=from-file', 'B=flag', 'HOSTONLY=h', 'C=1=2']);
    await rejects(processEnv({}, { env: [], envFile: [join(dir, 'missing')] }), /env file .*missing: cannot read \(ENOENT\)/);
    await rejects(processEnv({}, { env: ['=x'], envFile: [] }), /empty name/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('working dir and user: flags win over the image', async () => {
  const p = await runProcess({ Cmd: ['x'], WorkingDir: '/app', User: 'app' }, flags, []);
  assert.is(p.cwd, '/app');
  assert.is(p.user, 'app');
  const q = await runProcess({ Cmd: ['x'], WorkingDir: '/app', User: 'app' }, { ...flags, workdir: '/w', user: '0:0' }, []);
  assert.is(q.cwd, '/w');
  assert.is(q.user, '0:0');
  assert.is((await runProcess({ Cmd: ['x'] }, flags, [])).cwd, '/');
  await rejects(runProcess({ Cmd: ['x'] }, { ...flags, workdir: 'rel' }, []), /must be absolute/);
});

test.run();
