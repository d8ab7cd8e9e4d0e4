// `docker buildx build` command lines run under kiln: bin/kiln on real runc and overlayfs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pack } from 'tar-stream';
import { repoRoot } from '../util/test-paths.js';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('kiln build buildx flags e2e', ['runc', 'busybox', 'ssh-agent', 'ssh-add', 'ssh-keygen', 'git'])) {
  const test = suite('kiln build buildx flags e2e');
  const fx = kilnFixture('buildx');
  const { tmp, context } = fx;
  const kiln = (args: string[], env: NodeJS.ProcessEnv = {}): KilnRun => fx.kiln(args, { env });
  const build = (dir: string, ...extra: string[]): KilnRun => kiln(['build', '--progress', 'plain', ...extra, dir]);
  const refused = (r: KilnRun, message: RegExp): void => {
    assert.is.not(r.code, 0, r.stderr);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  };

  const kilnBin = join(repoRoot(), 'bin', 'kiln');
  const started = Date.now();
  const tarOf = async (entries: readonly { name: string; body?: string; link?: string }[]): Promise<Buffer> => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    const ended = new Promise<void>((r) => p.on('end', () => r()));
    for (const e of entries) {
      if (e.link !== undefined) p.entry({ name: e.name, type: 'symlink', linkname: e.link });
      else p.entry({ name: e.name }, e.body ?? '');
    }
    p.finalize();
    await ended;
    return Buffer.concat(chunks);
  };

  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('accepted as buildx means them: --load, disabled attestations, --builder (a warning), --allow network.host', async () => {
    const dir = await context('accepted', { Dockerfile: 'FROM bb\nRUN echo hi > /hi\n' });
    const r = build(dir, '-t', 'accepted:1', '--load', '--provenance=false', '--sbom=false', '--attest', 'type=provenance,disabled=true', '--attest', 'type=sbom,disabled=true', '--builder', 'ci-builder', '--allow', 'network.host');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: --builder ci-builder is ignored/);
    assert.is(kiln(['run', '--rm', 'accepted:1', 'cat', '/hi']).stdout, 'hi\n');
  });

  test('refused clearly: entitlements kiln does not grant, --check / --call, --cgroup-parent, a bad attestation', async () => {
    const dir = await context('refused', { Dockerfile: 'FROM bb\n' });
    refused(build(dir, '--allow', 'security.insecure'), /--allow security\.insecure: kiln does not grant this entitlement/);
    refused(build(dir, '--allow', 'device=/dev/fuse'), /kiln does not grant this entitlement/);
    refused(build(dir, '--allow', 'network.hots'), /invalid --allow "network\.hots"/);
    refused(build(dir, '--check'), /--call check \(--check\): not implemented/);
    refused(build(dir, '--call', 'outline'), /--call outline: not implemented/);
    refused(build(dir, '--call', 'nope'), /invalid --call "nope"/);
    refused(build(dir, '--cgroup-parent', '/ci'), /--cgroup-parent: not implemented/);
    refused(build(dir, '--attest', 'type=vex'), /type must be provenance or sbom/);
    refused(build(dir, '--provenance', 'mode=huge'), /invalid provenance mode "huge"/);
  });

  test('--metadata-file: buildx keys, the manifest and config digests of the stored image', async () => {
    const dir = await context('meta', { Dockerfile: 'FROM bb\nRUN echo m > /m\n' });
    const file = join(tmp, 'meta.json');
    const iid = join(tmp, 'meta.iid');
    const r = build(dir, '-t', 'meta:1', '-t', 'example.com/team/meta', '--metadata-file', file, '--iidfile', iid);
    assert.is(r.code, 0, r.stderr);
    const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    assert.is(m['containerimage.config.digest'], await readFile(iid, 'utf8'));
    assert.is(m['image.name'], 'docker.io/library/meta:1,example.com/team/meta:latest');
    assert.match(String(m['buildx.build.ref']), /^kiln\/local\/[a-z0-9]{25}$/);
    const digest = String(m['containerimage.digest']);
    assert.match(digest, /^sha256:[a-f0-9]{64}$/);
    assert.equal((m['containerimage.descriptor'] as { digest: string }).digest, digest);
    // The digest is the stored image's manifest: inspect finds the image by it.
    const inspected = JSON.parse(kiln(['inspect', digest]).stdout) as { Id: string; RepoTags: string[] }[];
    assert.is(inspected[0]?.Id, m['containerimage.config.digest']);
    assert.ok(inspected[0]?.RepoTags.includes('meta:1'));
  });

  test('--no-cache-filter: the named stage runs again, the others stay cached; an unknown stage is an error', async () => {
    const dir = await context('filter', { Dockerfile: 'FROM bb AS deps\nRUN echo deps > /d\n\nFROM bb AS app\nCOPY --from=deps /d /d\nRUN echo app > /a\n' });
    assert.is(build(dir, '-t', 'filter').code, 0);
    const again = build(dir, '-t', 'filter', '--no-cache-filter', 'app');
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stderr, /\[deps 2\/2\] RUN echo deps > \/d\n#\d+ CACHED/);
    assert.match(again.stderr, /\[app 3\/3\] RUN echo app > \/a\n#\d+ DONE/);
    refused(build(dir, '--no-cache-filter', 'nosuch'), /--no-cache-filter nosuch: no stage of that name/);
  });

  test('--add-host, --shm-size and a lowered --ulimit reach RUN steps; a raised hard limit is refused', async () => {
    const dir = await context('runflags', {
      Dockerfile: 'FROM bb\nRUN grep -E "registry|v6host" /etc/hosts > /hosts; grep " /dev/shm " /proc/mounts > /shm; echo "$(ulimit -n) $(ulimit -Hn)" > /nofile\n',
    });
    const r = build(dir, '-t', 'runflags', '--add-host', 'registry.internal:10.1.2.3', '--add-host', 'v6host=::1', '--shm-size', '128m', '--ulimit', 'nofile=512:1024');
    assert.is(r.code, 0, r.stderr);
    const cat = (f: string): string => kiln(['run', '--rm', 'runflags', 'cat', f]).stdout;
    assert.is(cat('/hosts'), '10.1.2.3\tregistry.internal\n::1\tv6host\n');
    assert.match(cat('/shm'), /size=131072k/);
    assert.is(cat('/nofile'), '512 1024\n');
    // Another value is another cache key: the step runs again.
    const again = build(dir, '-t', 'runflags2', '--add-host', 'registry.internal:10.9.9.9');
    assert.is(again.code, 0, again.stderr);
    assert.is(kiln(['run', '--rm', 'runflags2', 'cat', '/hosts']).stdout, '10.9.9.9\tregistry.internal\n');
    refused(build(dir, '--ulimit', 'nofile=100000000'), /--ulimit nofile=100000000: 100000000 is above kiln's own hard limit \d+, and raising it needs CAP_SYS_RESOURCE/);
    refused(build(dir, '--ulimit', 'files=1'), /unknown type "files"/);
    refused(build(dir, '--add-host', 'nohost'), /invalid --add-host "nohost": expected host:ip/);
    refused(build(dir, '--add-host', 'a:not-an-ip'), /"not-an-ip" is not an IP address/);
    refused(build(dir, '--shm-size', 'lots'), /invalid --shm-size "lots"/);
  });

  test('-f - reads the Dockerfile from stdin; - as the context takes a tar (plain or gzipped) or a Dockerfile alone', async () => {
    const dir = await context('stdin', { 'msg.txt': 'from the context\n', 'sub/Alt.Dockerfile': 'FROM bb\nCOPY msg.txt /alt\n' });
    const df = build(dir, '-t', 'stdin-df', '-f', '-');
    assert.is.not(df.code, 0, 'no Dockerfile on stdin: an empty one');
    const r = fx.kiln(['build', '-q', '-t', 'stdin-df', '-f', '-', dir], { input: 'FROM bb\nCOPY msg.txt /msg\n' });
    assert.is(r.code, 0, r.stderr);
    assert.is(kiln(['run', '--rm', 'stdin-df', 'cat', '/msg']).stdout, 'from the context\n');
    for (const z of ['', 'z']) {
      const tar = spawnSync('tar', [`-c${z}f`, '-', '-C', dir, '.'], { maxBuffer: 1 << 20 }).stdout;
      const t = fx.kiln(['build', '-q', '-t', `stdin-tar${z}`, '-f', 'sub/Alt.Dockerfile', '-'], { input: tar });
      assert.is(t.code, 0, t.stderr);
      assert.is(kiln(['run', '--rm', `stdin-tar${z}`, 'cat', '/alt']).stdout, 'from the context\n');
    }
    const alone = fx.kiln(['build', '-q', '-t', 'stdin-alone', '-'], { input: 'FROM bb\nRUN echo alone > /a\n' });
    assert.is(alone.code, 0, alone.stderr);
    assert.is(kiln(['run', '--rm', 'stdin-alone', 'cat', '/a']).stdout, 'alone\n');
    const noCtx = fx.kiln(['build', '-q', '-'], { input: 'FROM bb\nCOPY msg.txt /m\n' });
    assert.is.not(noCtx.code, 0);
    assert.match(noCtx.stderr, /"\/msg\.txt": not found/);
    refused(fx.kiln(['build', '-f', '-', '-'], { input: 'FROM bb\n' }), /cannot read both the build context and the Dockerfile \(-f -\) from stdin/);
  });

  test('hostile: a context tar on stdin cannot write outside its temp dir or take -f outside the context', async () => {
    const outside = join(tmp, 'stdin-escape.txt');
    const escape = await tarOf([{ name: `../../../../../../../..${outside}`, body: 'escaped' }, { name: 'Dockerfile', body: 'FROM bb\n' }]);
    refused(fx.kiln(['build', '-'], { input: escape }), /\.\./);
    assert.not.ok(existsSync(outside), 'a tar entry was written outside the context');
    const viaLink = await tarOf([{ name: 'up', link: '/' }, { name: 'Dockerfile', body: 'FROM bb\n' }]);
    refused(fx.kiln(['build', '-f', `up${join(tmp, 'host.Dockerfile')}`, '-'], { input: viaLink }), /no such file/);
    await writeFile(join(tmp, 'host.Dockerfile'), 'FROM bb\nRUN echo read the host > /h\n');
    refused(fx.kiln(['build', '-f', `up${join(tmp, 'host.Dockerfile')}`, '-'], { input: viaLink }), /no such file/);
    refused(fx.kiln(['build', '-f', join(tmp, 'host.Dockerfile'), '-'], { input: viaLink }), /the Dockerfile is a path inside that tar/);
    assert.is(readdirSync(tmpdir()).filter((n) => n.startsWith('kiln-stdin-') && statSync(join(tmpdir(), n)).mtimeMs > started).length, 0, 'the spooled context was removed');
  });

  test('-o - and -o type=tar,dest=- stream the rootfs tar to stdout; progress stays on stderr', async () => {
    const dir = await context('tarout', { Dockerfile: 'FROM bb\nRUN echo streamed > /s\n' });
    for (const o of ['-', 'type=tar,dest=-']) {
      const out = join(tmp, 'rootfs.tar');
      const r = spawnSync('sh', ['-c', '"$0" --root "$1" build --progress plain -o "$2" "$3" > "$4"', kilnBin, fx.root, o, dir, out], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stderr, /RUN echo streamed/);
      assert.is(spawnSync('tar', ['-xOf', out, './s'], { encoding: 'utf8' }).stdout, 'streamed\n');
      assert.match(spawnSync('tar', ['-tf', out], { encoding: 'utf8' }).stdout, /^\.\/bin\/busybox$/m);
    }
  });

  test('-o type=docker|oci,dest=F -t NAME: the archive names NAME only; --load also stores it', async () => {
    const dir = await context('archive', { Dockerfile: 'FROM bb\nRUN echo a > /a\n' });
    assert.is(build(dir, '-t', 'archive-old:1').code, 0);
    const docker = join(tmp, 'a.docker.tar');
    const r = build(dir, '-t', 'archive-new:2', '-o', `type=docker,dest=${docker}`);
    assert.is(r.code, 0, r.stderr);
    const manifest = JSON.parse(spawnSync('tar', ['-xOf', docker, 'manifest.json'], { encoding: 'utf8' }).stdout) as { RepoTags: string[] }[];
    assert.equal(manifest.map((m) => m.RepoTags), [['archive-new:2']]);
    assert.is(kiln(['inspect', 'archive-new:2']).code, 1, 'an -o output alone does not store the name');
    const oci = join(tmp, 'a.oci.tar');
    assert.is(build(dir, '-t', 'archive-new:3', '--load', '-o', `type=oci,dest=${oci}`).code, 0);
    const index = JSON.parse(spawnSync('tar', ['-xOf', oci, 'index.json'], { encoding: 'utf8' }).stdout) as { manifests: { annotations?: Record<string, string> }[] };
    assert.equal(index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']), ['docker.io/library/archive-new:3']);
    assert.is(kiln(['inspect', 'archive-new:3']).code, 0, '--load stores it too');
    const loaded = kiln(['load', '-i', docker]);
    assert.is(loaded.code, 0, loaded.stderr);
    assert.is(kiln(['run', '--rm', 'archive-new:2', 'cat', '/a']).stdout, 'a\n');
  });

  test('--build-context NAME=docker-image://REF and NAME=target:STAGE replace what FROM and COPY --from name', async () => {
    const dir = await context('named', {
      Dockerfile: 'FROM bb AS alt\nRUN echo alt > /who\n\nFROM bb AS dev\nRUN echo dev > /who\n\nFROM base\nCOPY --from=tools /who /tools-who\nRUN cat /base-mark 2>/dev/null || echo plain > /base-mark\n',
    });
    assert.is(fx.kiln(['tag', 'bb', 'marked-base:1']).code, 0);
    const img = await context('named-base', { Dockerfile: 'FROM bb\nRUN echo marked > /base-mark\n' });
    assert.is(build(img, '-t', 'marked-base:2').code, 0);
    const r = build(dir, '-t', 'named', '--build-context', 'base=docker-image://marked-base:2', '--build-context', 'tools=target:alt');
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stderr, /RUN echo dev/, 'the stage nobody reads is not built');
    assert.is(kiln(['run', '--rm', 'named', 'cat', '/base-mark', '/tools-who']).stdout, 'marked\nalt\n');
    const dev = build(dir, '-t', 'named-dev', '--build-context', 'base=docker-image://bb', '--build-context', 'tools=target:dev');
    assert.is(dev.code, 0, dev.stderr);
    assert.is(kiln(['run', '--rm', 'named-dev', 'cat', '/base-mark', '/tools-who']).stdout, 'plain\ndev\n');
    refused(build(dir, '--build-context', 'base=docker-image://bb', '--build-context', 'tools=target:nope'), /--build-context tools=target:nope: no stage named nope/);
    refused(build(dir, '--build-context', `tools=${tmp}/nope`), /--build-context tools=\S+\/nope: no such directory/);
    refused(build(dir, '--build-context', 'novalue'), /invalid --build-context "novalue"/);
  });

  test('--ssh: RUN --mount=type=ssh reaches the agent (ssh-add -l inside the step), from SSH_AUTH_SOCK or from key files', async () => {
    // ssh-add and the libraries it links, copied from the host into the image.
    const files: Record<string, string> = {};
    const libs = [...spawnSync('ldd', ['/usr/bin/ssh-add'], { encoding: 'utf8' }).stdout.matchAll(/(\/\S+\.so[.\d]*)/g)].map((m) => m[1] ?? '');
    const dir = await context('ssh', files);
    const copies = ['/usr/bin/ssh-add', ...libs].map((p, i) => {
      spawnSync('cp', ['-L', p, join(dir, `f${i}`)]);
      return `COPY f${i} ${p}`;
    });
    await writeFile(join(dir, 'Dockerfile'), `FROM bb\n${copies.join('\n')}\nARG N\nRUN --mount=type=ssh ssh-add -l > /default-keys\nRUN --mount=type=ssh,id=deploy,target=/tmp/agent,uid=65534 su nobody -s /bin/sh -c "SSH_AUTH_SOCK=/tmp/agent ssh-add -l" > /deploy-keys\n`);
    const keyDir = join(tmp, 'ssh-keys');
    spawnSync('mkdir', ['-p', keyDir]);
    for (const k of ['ci', 'deploy']) assert.is(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${k}-key`, '-f', join(keyDir, k)]).status, 0);
    const sock = join(keyDir, 'agent.sock');
    const agent = spawnSync('ssh-agent', ['-a', sock], { encoding: 'utf8' });
    const pid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1];
    try {
      assert.is(spawnSync('ssh-add', ['-q', join(keyDir, 'ci')], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status, 0);
      const r = kiln(['build', '--progress', 'plain', '-t', 'ssh', '--ssh', 'default', '--ssh', `deploy=${join(keyDir, 'deploy')}`, dir], { SSH_AUTH_SOCK: sock });
      assert.is(r.code, 0, r.stderr);
      assert.match(kiln(['run', '--rm', 'ssh', 'cat', '/default-keys']).stdout, /^256 SHA256:\S+ ci-key \(ED25519\)\n$/);
      assert.match(kiln(['run', '--rm', 'ssh', 'cat', '/deploy-keys']).stdout, /^256 SHA256:\S+ deploy-key \(ED25519\)\n$/);
      refused(kiln(['build', '--build-arg', 'N=2', '--ssh', 'default', dir], { SSH_AUTH_SOCK: '' }), /--ssh default: SSH_AUTH_SOCK is not set/);
      refused(kiln(['build', '--build-arg', 'N=3', '--ssh', `deploy=${join(keyDir, 'nope')}`, dir], { SSH_AUTH_SOCK: sock }), /--ssh deploy: cannot read .*nope \(ENOENT\)/);
    } finally {
      if (pid !== undefined) process.kill(Number(pid));
    }
    assert.is(readdirSync(tmpdir()).filter((n) => n.startsWith('kiln-ssh-') && statSync(join(tmpdir(), n)).mtimeMs > started).length, 0, 'kiln stopped its agent and removed its socket');
    const required = await context('ssh-required', { Dockerfile: 'FROM bb\nRUN --mount=type=ssh,required=true true\n' });
    refused(build(required), /ssh agent default: not provided \(kiln build --ssh default\)/);
  });

  test('a git context: file:// repositories at a branch, tag or commit, with a subdirectory; a symlinked subdirectory stays inside the clone', async () => {
    const repo = join(tmp, 'repo');
    const git = (...args: string[]): string => {
      const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    spawnSync('mkdir', ['-p', join(repo, 'app')]);
    git('init', '-q');
    await writeFile(join(repo, 'app', 'Dockerfile'), 'FROM bb\nCOPY . /src\nRUN ls -A /src > /listing\n');
    await writeFile(join(repo, 'app', 'v.txt'), 'one\n');
    git('add', '.');
    git('commit', '-qm', 'one');
    const first = git('rev-parse', 'HEAD');
    git('tag', 'v1');
    await writeFile(join(repo, 'app', 'v.txt'), 'two\n');
    await symlink('/etc', join(repo, 'escape'));
    git('add', '.');
    git('commit', '-qm', 'two');
    const cat = (image: string): string => kiln(['run', '--rm', image, 'cat', '/src/v.txt']).stdout;
    assert.is(fx.kiln(['build', '-q', '-t', 'git-main', `file://${repo}#main:app`]).code, 0);
    assert.is(cat('git-main'), 'two\n');
    assert.is(kiln(['run', '--rm', 'git-main', 'cat', '/listing']).stdout, 'Dockerfile\nv.txt\n', 'no .git in the context');
    const tag = fx.kiln(['build', '-q', '-t', 'git-tag', `file://${repo}#v1:app`]);
    assert.is(tag.code, 0, tag.stderr);
    assert.is(cat('git-tag'), 'one\n');
    const commit = fx.kiln(['build', '-q', '-t', 'git-commit', '-f', 'app/Dockerfile', `file://${repo}#${first}`]);
    assert.is(commit.code, 0, commit.stderr);
    assert.is(kiln(['run', '--rm', 'git-commit', 'cat', '/src/app/v.txt']).stdout, 'one\n');
    refused(fx.kiln(['build', `file://${repo}#main:escape`]), /no such file|no such directory/);
    refused(fx.kiln(['build', `file://${repo}#nosuchref`]), /git checkout file:\/\/.*#nosuchref/);
    assert.is(readdirSync(tmpdir()).filter((n) => n.startsWith('kiln-git-') && statSync(join(tmpdir(), n)).mtimeMs > started).length, 0, 'the clone was removed');

    // ADD of a repository: its files (no .git unless --keep-git-dir); a new commit on the branch is a new cache key.
    const add = await context('git-add', { Dockerfile: `FROM bb\nADD file://${repo}#main:app /app\nADD --keep-git-dir=true file://${repo}#v1 /full\n` });
    const a = build(add, '-t', 'git-add');
    assert.is(a.code, 0, a.stderr);
    const show = (cmd: string): string => kiln(['run', '--rm', 'git-add', 'sh', '-c', cmd]).stdout;
    assert.is(show('cat /app/v.txt; ls -A /app'), 'two\nDockerfile\nv.txt\n');
    assert.is(show('cat /full/app/v.txt; test -d /full/.git && echo has-git'), 'one\nhas-git\n');
    assert.is(build(add, '-t', 'git-add').stderr.match(/^#\d+ CACHED$/gm)?.length, 3, 'unchanged repository: cached');
    await writeFile(join(repo, 'app', 'v.txt'), 'three\n');
    git('commit', '-qam', 'three');
    const moved = build(add, '-t', 'git-add');
    assert.is(moved.code, 0, moved.stderr);
    assert.is(show('cat /app/v.txt'), 'three\n');
  });

  test.run();
}
