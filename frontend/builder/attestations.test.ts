/**
 * build() with attestations on the test worker (no runtime, no mounts): the
 * image is stored as an index with BuildKit's attestation manifest, whose
 * statements are about the image manifest; a secret's value never appears.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from './build.js';
import { contextRequest, testWorker } from './test-worker.js';
import { NotImplementedError } from '../../util/errors.js';
import { rejects } from '../../util/test-assert.js';
import type { Index, Manifest } from '../../oci/index.js';

interface Statement { predicateType: string; subject: { name: string; digest: { sha256: string } }[]; predicate: Record<string, unknown> }

const files = {
  Dockerfile: 'FROM scratch\nARG TOKEN_NAME\nCOPY status /var/lib/dpkg/status\nCOPY pkg.json /srv/node_modules/express/package.json\nRUN --mount=type=secret,id=npm,required=true echo used && exit 0\n',
  status: 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:1.2.13.dfsg-1\n',
  'pkg.json': '{"name":"express","version":"4.19.2","license":"MIT"}',
};

test('--provenance=mode=max --sbom: an index with the image and an attestation manifest of two statements about it', async () => {
  const w = await testWorker();
  try {
    const req = await contextRequest(w, 'att', files, { buildArgs: { TOKEN_NAME: 'npm' }, secrets: new Map([['npm', Buffer.from('s3cr3t-v4lue')]]) });
    const r = await build({ ...req, tags: ['app:1'], attest: { provenance: { mode: 'max' }, sbom: true } }, w);
    assert.is(r.manifest.mediaType, 'application/vnd.oci.image.index.v1+json');
    const image = await w.images.get('app:1');
    assert.is(image.index?.digest, r.manifest.digest);
    assert.is(image.id, r.imageId);
    const index = JSON.parse((await w.content.readAll(r.manifest.digest)).toString()) as Index;
    assert.is(index.manifests[0]?.digest, image.manifest.digest);
    const am = JSON.parse((await w.content.readAll(index.manifests[1]?.digest ?? r.manifest.digest)).toString()) as Manifest;
    const statements: Statement[] = [];
    for (const l of am.layers) statements.push(JSON.parse((await w.content.readAll(l.digest)).toString()) as Statement);
    assert.equal(statements.map((s) => s.predicateType), ['https://slsa.dev/provenance/v0.2', 'https://spdx.dev/Document']);
    for (const s of statements) assert.equal(s.subject, [{ name: 'pkg:docker/app@1?platform=linux%2Famd64', digest: { sha256: image.manifest.digest.slice(7) } }]);
    const [prov, sbom] = statements as [Statement, Statement];
    const text = JSON.stringify(prov);
    assert.not.ok(text.includes('s3cr3t-v4lue'), 'no secret value');
    assert.equal((prov.predicate.invocation as { parameters: { secrets: unknown } }).parameters.secrets, [{ id: 'npm' }]);
    const steps = (prov.predicate.buildConfig as { llbDefinition: { id: string }[] }).llbDefinition;
    assert.is(steps.length, 3, 'two COPY and one RUN');
    const names = (sbom.predicate.packages as { name: string; versionInfo?: string }[]).map((p) => `${p.name}@${p.versionInfo ?? ''}`);
    assert.equal(names, ['docker.io/library/app:1@', 'zlib1g@1:1.2.13.dfsg-1', 'express@4.19.2']);
    // A rebuild without attestations names the plain manifest again.
    const plain = await build({ ...req, tags: ['app:1'] }, w);
    assert.is(plain.manifest.digest, image.manifest.digest);
    assert.is((await w.images.get('app:1')).index, undefined);
  } finally {
    await w.cleanup();
  }
});

test('attestations with -o type=local or tar fail before building: not implemented', async () => {
  const w = await testWorker();
  try {
    const req = await contextRequest(w, 'loc', { Dockerfile: 'FROM scratch\n' });
    await rejects(build({ ...req, outputs: [{ type: 'local', dest: `${w.root}/out` }], attest: { sbom: true } }, w), (e) => e instanceof NotImplementedError && /-o type=local/.test(e.message));
    assert.equal(w.executorCalls.specs, []);
  } finally {
    await w.cleanup();
  }
});

test.run();
