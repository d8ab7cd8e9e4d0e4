// The package as a user installs it: `npm pack`, then `npm install -g` of the
// tarball into an empty prefix, offline (it depends on nothing), and a build
// with the installed `kiln`, run from outside the source tree.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { repoRoot } from '../util/test-paths.js';
import { kilnFixture } from '../util/test-kiln.js';

if (e2eReady('npm install e2e', ['runc', 'npm'])) {
  const test = suite('npm install e2e');
  const fx = kilnFixture('install');
  test.after(() => fx.cleanup());

  const sh = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string => {
    const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };

  test('npm pack | npm install -g gives a kiln that builds', async () => {
    await fx.baseImage();
    // --ignore-scripts: pack the dist/ the test run already built, without rebuilding it under other tests.
    sh('npm', ['pack', '--ignore-scripts', '--pack-destination', fx.tmp], repoRoot());
    const tgz = readdirSync(fx.tmp).find((f) => /^kiln-.*\.tgz$/.test(f));
    assert.ok(tgz, 'npm pack wrote kiln-VERSION.tgz');
    const prefix = join(fx.tmp, 'prefix');
    sh('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(fx.tmp, tgz)], fx.tmp);
    const installed = join(prefix, 'lib', 'node_modules', 'kiln');
    assert.not.ok(lstatSync(installed).isSymbolicLink(), 'a copy, not a link to the source tree');
    assert.not.ok(existsSync(join(installed, 'node_modules')), 'no dependencies to install');
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { private?: boolean; dependencies?: object; version: string };
    assert.is(pkg.private, undefined);
    assert.is(pkg.dependencies, undefined);

    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, NODE_PATH: '' };
    assert.is(sh('kiln', ['--version'], fx.tmp, env).trim(), pkg.version);
    const ctx = await fx.context('app', { Dockerfile: 'FROM bb\nRUN echo from-the-package > /built\n' });
    sh('kiln', ['--root', fx.root, 'build', '-q', '-t', 'installed:1', ctx], fx.tmp, env);
    assert.is(sh('kiln', ['--root', fx.root, 'run', '--rm', 'installed:1', 'cat', '/built'], fx.tmp, env), 'from-the-package\n');
  });

  test.run();
}
