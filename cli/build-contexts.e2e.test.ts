// `--build-context NAME=DIR|oci-layout://DIR[:TAG|@DIGEST]|GIT-URL`: bin/kiln on real runc and overlayfs.
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('kiln build --build-context e2e', ['runc', 'busybox', 'git', 'tar'])) {
  const test = suite('kiln build --build-context e2e');
  const fx = kilnFixture('build-contexts');
  const { tmp, context } = fx;
  const build = (dir: string, ...extra: string[]): KilnRun => fx.kiln(['build', '--progress', 'plain', ...extra, dir]);
  const run = (image: string, ...cmd: string[]): string => fx.ok(['run', '--rm', image, ...cmd]).stdout;
  const refused = (r: KilnRun, message: RegExp): void => {
    assert.is.not(r.code, 0, r.stderr);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  };

  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('NAME=DIR: FROM, COPY --from and RUN --mount from= read the directory, its own .dockerignore applied; a change is seen, no change is cached', async () => {
    const shared = await context('shared', { 'lib/a.txt': 'a1\n', 'lib/secret.key': 'no\n', 'notes.md': 'n\n', '.dockerignore': '*.md\n**/*.key\n' });
    const dir = await context('uses-shared', {
      Dockerfile: 'FROM shared AS raw\n\nFROM bb\nCOPY --from=shared /lib /app/lib\nRUN --mount=from=shared,target=/s cat /s/lib/a.txt > /app/mounted\n',
      'notes.md': 'the main context keeps its own files\n',
    });
    const r = build(dir, '-t', 'ctx-dir', '--build-context', `shared=${shared}`);
    assert.is(r.code, 0, r.stderr);
    assert.is(run('ctx-dir', 'cat', '/app/lib/a.txt', '/app/mounted'), 'a1\na1\n');
    assert.is(run('ctx-dir', 'ls', '/app/lib'), 'a.txt\n', "the directory's .dockerignore leaves out secret.key");
    // FROM NAME: the directory is the rootfs (exported as a tar: no shell in it).
    const out = join(tmp, 'raw-out');
    const raw = build(dir, '--target', 'raw', '-o', `type=local,dest=${out}`, '--build-context', `shared=${shared}`);
    assert.is(raw.code, 0, raw.stderr);
    assert.is(await readFile(join(out, 'lib', 'a.txt'), 'utf8'), 'a1\n');
    assert.is(spawnSync('ls', ['-A', out], { encoding: 'utf8' }).stdout, '.dockerignore\nlib\n', 'notes.md left out (.dockerignore itself stays, as in Docker)');
    const again = build(dir, '-t', 'ctx-dir', '--build-context', `shared=${shared}`);
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stderr, /CACHED\n[^]*RUN --mount/, 'an unchanged directory keeps the steps cached');
    assert.not.match(again.stderr, /#\d+ \d+\.\d+ /, 'no step ran');
    await writeFile(join(shared, 'lib', 'a.txt'), 'a2\n');
    assert.is(build(dir, '-t', 'ctx-dir', '--build-context', `shared=${shared}`).code, 0);
    assert.is(run('ctx-dir', 'cat', '/app/lib/a.txt', '/app/mounted'), 'a2\na2\n');
    refused(build(dir, '--build-context', `shared=${join(shared, 'missing')}`), /--build-context shared=\S+missing: no such directory/);
    refused(build(dir, '--build-context', `shared=${join(shared, 'notes.md')}`), /--build-context shared=\S+notes\.md: not a directory/);
  });

  test('NAME=oci-layout://DIR[:TAG|@DIGEST]: the layout image replaces FROM NAME and COPY --from=NAME', async () => {
    const src = await context('layout-src', { Dockerfile: 'FROM bb\nRUN echo from-layout > /mark\nENV LAYOUT=yes\n' });
    const tar = join(tmp, 'layout.tar');
    assert.is(build(src, '-t', 'layout-img:v1', '-o', `type=oci,dest=${tar}`).code, 0);
    const layout = join(tmp, 'layout');
    await mkdir(layout);
    assert.is(spawnSync('tar', ['-xf', tar, '-C', layout]).status, 0);
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const digest = index.manifests[0]?.digest ?? '';
    const dir = await context('uses-layout', { Dockerfile: 'FROM base\nCOPY --from=tools /mark /tools-mark\nRUN echo "$LAYOUT" > /env\n' });
    const r = build(dir, '-t', 'ctx-layout', '--build-context', `base=oci-layout://${layout}:v1`, '--build-context', `tools=oci-layout://${layout}@${digest}`);
    assert.is(r.code, 0, r.stderr);
    assert.is(run('ctx-layout', 'cat', '/mark', '/tools-mark', '/env'), 'from-layout\nfrom-layout\nyes\n');
    refused(build(dir, '--build-context', `base=oci-layout://${layout}:v2`, '--build-context', `tools=oci-layout://${layout}`), /no image tagged "v2" in index\.json/);
    refused(build(dir, '--build-context', `base=oci-layout://${tmp}`, '--build-context', `tools=oci-layout://${layout}`), /index\.json not found \(not an OCI image layout\?\)/);
  });

  test('NAME=oci-layout://DIR: a hostile layout cannot name a file outside DIR (blob refs like ../../etc/passwd, symlinks out)', async () => {
    const dir = await context('uses-hostile', { Dockerfile: 'FROM bb\nCOPY --from=evil / /evil\n' });
    const manifestRef = async (name: string, digest: string, links: Record<string, string> = {}): Promise<string> => {
      const d = join(tmp, name);
      await mkdir(join(d, 'blobs'), { recursive: true });
      await writeFile(join(d, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      await writeFile(join(d, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 10 }] }));
      for (const [at, target] of Object.entries(links)) await symlink(target, join(d, at));
      return d;
    };
    const dotdot = await manifestRef('evil-dotdot', '../../etc/passwd');
    refused(build(dir, '--build-context', `evil=oci-layout://${dotdot}`), /"\.\.\/\.\.\/etc\/passwd" is not a sha256 digest/);
    const alg = await manifestRef('evil-alg', 'sha256:../../../../etc/passwd');
    refused(build(dir, '--build-context', `evil=oci-layout://${alg}`), /is not a sha256 digest/);
    const hex = 'a'.repeat(64);
    const linked = await manifestRef('evil-link', `sha256:${hex}`, { 'blobs/sha256': '/etc' });
    refused(build(dir, '--build-context', `evil=oci-layout://${linked}`), /leaves the root/);
    const index = await manifestRef('evil-index', `sha256:${hex}`);
    await rm(join(index, 'index.json'));
    await symlink('/etc/passwd', join(index, 'index.json'));
    refused(build(dir, '--build-context', `evil=oci-layout://${index}`), /index\.json .*leaves the root/);
  });

  test('NAME=GIT-URL: a repository (file://, at a branch) as a named context', async () => {
    const repo = join(tmp, 'ctx-repo');
    await mkdir(repo);
    const git = (...args: string[]): void => {
      const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
    };
    git('init', '-q');
    await writeFile(join(repo, 'v.txt'), 'main\n');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    git('checkout', '-q', '-b', 'release');
    await writeFile(join(repo, 'v.txt'), 'release\n');
    git('commit', '-q', '-am', 'two');
    const dir = await context('uses-git', { Dockerfile: 'FROM bb\nCOPY --from=src /v.txt /v\n' });
    const r = build(dir, '-t', 'ctx-git', '--build-context', `src=file://${repo}#release`);
    assert.is(r.code, 0, r.stderr);
    assert.is(run('ctx-git', 'cat', '/v'), 'release\n');
    assert.is(build(dir, '-t', 'ctx-git', '--build-context', `src=file://${repo}#main`).code, 0);
    assert.is(run('ctx-git', 'cat', '/v'), 'main\n');
    refused(build(dir, '--build-context', `src=file://${repo}#nope`), /Dockerfile:2:1: git checkout file:\/\/\S+#nope: fatal: invalid reference: nope/);
  });

  test.run();
}
