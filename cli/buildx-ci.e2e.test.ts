// A `docker buildx build` CI job's command line, run by kiln against a local registry and checked with skopeo.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { startRegistry, type TestRegistry } from '../registry/test-servers.js';
import { kilnFixture } from '../util/test-kiln.js';

interface Desc { mediaType: string; digest: string; annotations?: Record<string, string> }

if (e2eReady('kiln build CI job e2e', ['runc', 'busybox', 'docker-registry', 'skopeo'])) {
  const test = suite('kiln build CI job e2e');
  const fx = kilnFixture('buildx-ci');
  let reg: TestRegistry;
  const skopeo = (...args: string[]): string => execFileSync('skopeo', ['inspect', '--tls-verify=false', ...args], { encoding: 'utf8' });
  const statement = async (repo: string, layer: Desc): Promise<{ subject: { digest: { sha256: string } }[]; predicate: unknown }> => {
    const res = await fetch(`http://${reg.host}/v2/${repo}/blobs/${layer.digest}`);
    assert.is(res.status, 200);
    return (await res.json()) as { subject: { digest: { sha256: string } }[]; predicate: unknown };
  };

  test.before(async () => {
    reg = await startRegistry(join(fx.tmp, 'registry'));
    await fx.baseImage();
    fx.ok(['tag', 'bb', `${reg.host}/base/bb:1`]);
    fx.ok(['push', `${reg.host}/base/bb:1`]);
  });
  test.after(async () => {
    await reg?.stop();
    await fx.cleanup();
  });

  test('build --pull --push with cache, attestations, labels, annotations and --metadata-file: the registry has what the metadata says', async () => {
    const R = `${reg.host}/team`;
    const dir = await fx.context('ci-app', { Dockerfile: `FROM ${reg.host}/base/bb:1\nARG V\nRUN echo "v=$V" > /version\nCOPY app.txt /app.txt\n`, 'app.txt': 'app\n' });
    const meta = join(fx.tmp, 'metadata.json');
    const args = [
      'build', '--pull', '--push', '--provenance=mode=max', '--sbom=true', '--metadata-file', meta,
      '--cache-from', `type=registry,ref=${R}/app:cache`, '--cache-to', `type=registry,ref=${R}/app:cache,mode=max`,
      '-t', `${R}/app:1`, '-t', `${R}/app:latest`, '--build-arg', 'V=1',
      '--label', 'org.opencontainers.image.source=https://example.com/team/app',
      '--annotation', 'org.opencontainers.image.description=the app', '--annotation', 'manifest:com.example.ci=42',
      '--builder', 'ci', '--progress', 'plain', dir,
    ];
    const r = fx.kiln(args);
    assert.is(r.code, 0, r.stderr);
    const m = JSON.parse(await readFile(meta, 'utf8')) as Record<string, string>;
    assert.is(m['image.name'], `${R}/app:1,${R}/app:latest`);
    for (const tag of ['1', 'latest']) {
      // With attestations the tag names an index: the platform manifest, then BuildKit's attestation manifest.
      const index = JSON.parse(skopeo('--raw', `docker://${R}/app:${tag}`)) as { mediaType: string; manifests: Desc[] };
      assert.is(index.mediaType, 'application/vnd.oci.image.index.v1+json');
      const [image, att] = index.manifests as [Desc, Desc];
      assert.equal(att.annotations, { 'vnd.docker.reference.digest': image.digest, 'vnd.docker.reference.type': 'attestation-manifest' });
      const raw = JSON.parse(skopeo('--raw', `docker://${R}/app@${image.digest}`)) as { annotations?: Record<string, string>; config: { digest: string } };
      assert.equal(raw.annotations, { 'org.opencontainers.image.description': 'the app', 'com.example.ci': '42' });
      assert.is(raw.config.digest, m['containerimage.config.digest']);
      const info = JSON.parse(skopeo(`docker://${R}/app:${tag}`)) as { Digest: string; Labels: Record<string, string> };
      assert.is(info.Digest, m['containerimage.digest']);
      assert.is(info.Labels['org.opencontainers.image.source'], 'https://example.com/team/app');
      const am = JSON.parse(skopeo('--raw', `docker://${R}/app@${att.digest}`)) as { layers: Desc[] };
      assert.equal(am.layers.map((l) => l.annotations?.['in-toto.io/predicate-type']), ['https://slsa.dev/provenance/v0.2', 'https://spdx.dev/Document']);
      const prov = await statement(`team/app`, am.layers[0] as Desc);
      assert.equal(prov.subject.map((s) => s.digest.sha256), [image.digest.slice(7), image.digest.slice(7)], 'both names, about the pushed image manifest');
      const p = prov.predicate as { materials: { uri: string }[]; invocation: { parameters: { args: Record<string, string> } } };
      assert.ok(p.materials.some((x) => x.uri.startsWith(`pkg:docker/${encodeURIComponent(reg.host)}/base/bb@1`)), JSON.stringify(p.materials));
      assert.is(p.invocation.parameters.args['build-arg:V'], '1');
      assert.is(p.invocation.parameters.args['label:org.opencontainers.image.source'], 'https://example.com/team/app');
      const sbom = await statement(`team/app`, am.layers[1] as Desc);
      assert.is((sbom.predicate as { spdxVersion: string }).spdxVersion, 'SPDX-2.3');
    }
    // The same job on a clean machine: every step comes from the registry cache, the digest is the same.
    const fresh = join(fx.tmp, 'fresh-root');
    const again = fx.kiln(args, { root: fresh });
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stderr, /RUN echo "v=1" > \/version\n#\d+ CACHED/, again.stderr);
    const m2 = JSON.parse(await readFile(meta, 'utf8')) as Record<string, string>;
    assert.is(m2['containerimage.config.digest'], m['containerimage.config.digest']);
  });

  test('--annotation types kiln cannot place are refused', async () => {
    const dir = await fx.context('ann', { Dockerfile: 'FROM bb\n' });
    const r = fx.kiln(['build', '--annotation', 'index:k=v', dir]);
    assert.is.not(r.code, 0);
    assert.match(r.stderr, /--annotation index:… \(kiln annotates the image manifest only; use manifest:\): not implemented/);
    const bad = fx.kiln(['build', '--annotation', 'novalue', dir]);
    assert.match(bad.stderr, /invalid --annotation "novalue"/);
  });

  test.run();
}
