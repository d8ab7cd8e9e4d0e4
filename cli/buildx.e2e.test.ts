// `docker buildx build` command lines run under kiln: bin/kiln on real runc and overlayfs.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('kiln build buildx flags e2e', ['runc', 'busybox'])) {
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

  test.run();
}
