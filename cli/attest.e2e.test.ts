// `kiln build --provenance=mode=max --sbom=true --push`: the image goes to the registry as an index with the
// platform manifest and an attestation manifest (BuildKit's layout), read back with skopeo and plain HTTP.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { startRegistry, type TestRegistry } from '../registry/test-servers.js';
import { kilnFixture } from '../util/test-kiln.js';

interface Desc { mediaType: string; digest: string; size: number; annotations?: Record<string, string>; platform?: { os: string; architecture: string } }
interface Statement { _type: string; predicateType: string; subject: { name: string; digest: { sha256: string } }[]; predicate: Record<string, unknown> }
interface SpdxPackage { name: string; versionInfo?: string; externalRefs?: { referenceLocator: string }[] }

const DPKG_STATUS = [
  'Package: fakepkg', 'Status: install ok installed', 'Priority: optional', 'Architecture: amd64', 'Version: 1.2.3-4',
  'Maintainer: Kiln Tests <tests@example.com>', 'Description: a package only the status file knows', ' more text', '',
  'Package: removed-pkg', 'Status: deinstall ok config-files', 'Architecture: amd64', 'Version: 0.1', '', '',
].join('\n');

if (e2eReady('kiln build attestations e2e', ['runc', 'busybox', 'docker-registry', 'skopeo'])) {
  const test = suite('kiln build attestations e2e');
  const fx = kilnFixture('attest');
  let reg: TestRegistry;
  const skopeo = (...args: string[]): string => execFileSync('skopeo', ['inspect', '--tls-verify=false', ...args], { encoding: 'utf8' });
  const blob = async (repo: string, digest: string): Promise<Buffer> => {
    const res = await fetch(`http://${reg.host}/v2/${repo}/blobs/${digest}`);
    assert.is(res.status, 200, `blob ${digest}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const manifest = async (repo: string, ref: string): Promise<{ manifests?: Desc[]; layers: Desc[]; config: Desc }> => {
    const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${ref}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' } });
    assert.is(res.status, 200, `manifest ${ref}`);
    return (await res.json()) as { manifests?: Desc[]; layers: Desc[]; config: Desc };
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

  test('--provenance=mode=max --sbom=true --push: an index with the image and its attestations, about the pushed manifest', async () => {
    const dir = await fx.context('attested', {
      Dockerfile: [
        `FROM ${reg.host}/base/bb:1`,
        'ARG V',
        'COPY status /var/lib/dpkg/status',
        'RUN --mount=type=secret,id=tok mkdir -p /app/node_modules/left-pad && echo \'{"name":"left-pad","version":"1.3.0","license":"WTFPL"}\' > /app/node_modules/left-pad/package.json && echo "v=$V" > /v',
        '',
      ].join('\n'),
      status: DPKG_STATUS,
    });
    const secret = join(fx.tmp, 'secret.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(secret, 'hunter2-s3cret-value'));
    const meta = join(fx.tmp, 'attest-meta.json');
    const ref = `${reg.host}/team/attested:1`;
    fx.ok(['build', '--provenance=mode=max', '--sbom=true', '--push', '--secret', `id=tok,src=${secret}`, '--build-arg', 'V=7', '--metadata-file', meta, '-t', ref, '--progress', 'plain', dir]);

    const index = JSON.parse(skopeo('--raw', `docker://${ref}`)) as { mediaType: string; manifests: Desc[] };
    assert.is(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.is(index.manifests.length, 2);
    const [image, att] = index.manifests as [Desc, Desc];
    assert.equal(image.platform, { architecture: 'amd64', os: 'linux' });
    assert.equal(att.platform, { architecture: 'unknown', os: 'unknown' });
    assert.equal(att.annotations, { 'vnd.docker.reference.digest': image.digest, 'vnd.docker.reference.type': 'attestation-manifest' });
    const m = JSON.parse(await readFile(meta, 'utf8')) as Record<string, string>;
    assert.is(m['containerimage.digest'], JSON.parse(skopeo(`docker://${ref}`)).Digest);

    const am = await manifest('team/attested', att.digest);
    const types = am.layers.map((l) => l.annotations?.['in-toto.io/predicate-type']);
    assert.equal(types, ['https://slsa.dev/provenance/v0.2', 'https://spdx.dev/Document']);
    const statements: Statement[] = [];
    for (const l of am.layers) {
      assert.is(l.mediaType, 'application/vnd.in-toto+json');
      const st = JSON.parse((await blob('team/attested', l.digest)).toString('utf8')) as Statement;
      assert.is(st.predicateType, l.annotations?.['in-toto.io/predicate-type']);
      assert.equal(st.subject, [{ name: `pkg:docker/${encodeURIComponent(reg.host)}/team/attested@1?platform=linux%2Famd64`, digest: { sha256: image.digest.slice(7) } }]);
      statements.push(st);
    }
    const [prov, sbom] = statements as [Statement, Statement];
    const p = prov.predicate as { buildType: string; materials: { uri: string; digest: { sha256: string } }[]; invocation: { configSource: { entryPoint: string }; parameters: { frontend: string; args: Record<string, string>; secrets: { id: string }[] } }; buildConfig: { llbDefinition: unknown[] }; metadata: Record<string, unknown> };
    assert.is(p.buildType, 'https://mobyproject.org/buildkit@v1');
    assert.is(p.invocation.configSource.entryPoint, 'Dockerfile');
    assert.is(p.invocation.parameters.frontend, 'dockerfile.v0');
    assert.is(p.invocation.parameters.args['build-arg:V'], '7');
    assert.equal(p.invocation.parameters.secrets, [{ id: 'tok', optional: true }]);
    assert.ok(p.materials.some((x) => x.uri === `pkg:docker/${encodeURIComponent(reg.host)}/base/bb@1?platform=linux%2Famd64` && /^[a-f0-9]{64}$/.test(x.digest.sha256)), JSON.stringify(p.materials));
    assert.ok(p.buildConfig.llbDefinition.length >= 3);
    assert.ok('https://mobyproject.org/buildkit@v1#metadata' in p.metadata);
    const provText = JSON.stringify(prov);
    assert.not.ok(provText.includes('hunter2-s3cret-value'), 'the secret value is not in the provenance');
    const doc = sbom.predicate as { spdxVersion: string; packages: SpdxPackage[] };
    assert.is(doc.spdxVersion, 'SPDX-2.3');
    const byName = new Map(doc.packages.map((x) => [x.name, x]));
    assert.is(byName.get('fakepkg')?.versionInfo, '1.2.3-4');
    assert.ok(byName.get('fakepkg')?.externalRefs?.[0]?.referenceLocator.startsWith('pkg:deb/'));
    assert.not.ok(byName.has('removed-pkg'), 'a package dpkg lists as removed is not in the SBOM');
    assert.is(byName.get('left-pad')?.externalRefs?.[0]?.referenceLocator, 'pkg:npm/left-pad@1.3.0');
  });

  test('the local store keeps the index: images, inspect, run, save (-o type=oci keeps the attestations), kiln push', async () => {
    const dir = await fx.context('local', { Dockerfile: 'FROM bb\nRUN echo hi > /hi\n' });
    const oci = join(fx.tmp, 'local-oci.tar');
    fx.ok(['build', '--provenance=true', '-t', 'local-att:1', '-o', `type=oci,dest=${oci}`, '--load', dir]);
    const listed = fx.ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'local-att']).stdout;
    assert.is(listed.trim(), 'local-att:1');
    const id = fx.ok(['inspect', '--format', '{{.Id}}', 'local-att:1']).stdout.trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
    assert.is(fx.ok(['run', '--rm', 'local-att:1', 'cat', '/hi']).stdout, 'hi\n');
    const inArchive = execFileSync('tar', ['-xOf', oci, 'index.json'], { encoding: 'utf8' });
    const top = (JSON.parse(inArchive) as { manifests: Desc[] }).manifests[0] as Desc;
    assert.is(top.mediaType, 'application/vnd.oci.image.index.v1+json');
    const idx = JSON.parse(execFileSync('tar', ['-xOf', oci, `blobs/sha256/${top.digest.slice(7)}`], { encoding: 'utf8' })) as { manifests: Desc[] };
    assert.is(idx.manifests[1]?.annotations?.['vnd.docker.reference.type'], 'attestation-manifest');
    const saved = join(fx.tmp, 'local-save.tar');
    fx.ok(['save', 'local-att:1', '-o', saved]);
    fx.ok(['load', '-i', saved], { root: join(fx.tmp, 'other-root') });
    fx.ok(['push', 'local-att:1', `${reg.host}/team/local-att:1`]);
    const pushed = JSON.parse(skopeo('--raw', `docker://${reg.host}/team/local-att:1`)) as { manifests: Desc[] };
    assert.is(pushed.manifests.length, 2);
    const am = await manifest('team/local-att', (pushed.manifests[1] as Desc).digest);
    const st = JSON.parse((await blob('team/local-att', (am.layers[0] as Desc).digest)).toString('utf8')) as Statement;
    assert.is(st.subject[0]?.digest.sha256, (pushed.manifests[0] as Desc).digest.slice(7), 'the statement is about the manifest the registry has');
    const pred = st.predicate as { invocation: { parameters: { args?: Record<string, string> } }; buildConfig?: unknown };
    assert.is(pred.buildConfig, undefined, 'min mode has no build steps');
    // Pulled back on another machine: the platform image, never the attestation manifest.
    const other = join(fx.tmp, 'pull-root');
    fx.ok(['pull', `${reg.host}/team/local-att:1`], { root: other });
    assert.is(fx.ok(['run', '--rm', `${reg.host}/team/local-att:1`, 'cat', '/hi'], { root: other }).stdout, 'hi\n');
    assert.match(fx.ok(['history', 'local-att:1']).stdout, /echo hi/);
    // buildx's -o type=registry pushes too.
    fx.ok(['build', '--sbom=true', '-o', 'type=registry', '-t', `${reg.host}/team/reg-out:1`, dir]);
    const out = JSON.parse(skopeo('--raw', `docker://${reg.host}/team/reg-out:1`)) as { manifests: Desc[] };
    assert.equal(out.manifests.map((d) => d.platform?.os), ['linux', 'unknown']);
    fx.ok(['rmi', 'local-att:1']);
    fx.ok(['check']);
  });

  test.run();
}
