import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { importRootfs } from './import.js';
import { makeTar, tempStore } from './testing.js';
import { contentSink, readStatements, retargetStatement, writeAttestedIndex, ATTESTATION_MANIFEST, IN_TOTO_MEDIA_TYPE } from './attestation.js';
import { scanImages } from './fsck.js';
import { sha256 } from '../../util/digest.js';
import { MediaType, type Index, type Manifest } from '../../oci/index.js';

const test = suite('attested images in the store');

const statementAbout = (digest: string, type: string): { predicateType: string; bytes: Buffer } => ({
  predicateType: type,
  bytes: Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: type, subject: [{ name: 'pkg:docker/app@1', digest: { sha256: digest.slice(7) } }], predicate: {} })),
});

async function attested() {
  const s = await tempStore();
  const tar = await makeTar([{ name: 'hello', body: 'hi\n' }]);
  const image = await importRootfs(s.images, Readable.from([tar]), { sourceLabel: 'x' });
  const st = [statementAbout(image.manifest.digest, 'https://slsa.dev/provenance/v0.2'), statementAbout(image.manifest.digest, 'https://spdx.dev/Document')];
  const index = await writeAttestedIndex(contentSink(s.images.content), image.manifest, { architecture: 'amd64', os: 'linux' }, st);
  return { s, image, index };
}

test('an index with an attestation manifest is listed, found, tagged and removed as its platform image', async () => {
  const { s, image, index } = await attested();
  try {
    await s.images.put(index, ['app:1']);
    const list = await s.images.list();
    assert.is(list.length, 1, 'the plain manifest the import left unnamed is not kept as <none>');
    const got = await s.images.get('app:1');
    assert.is(got.manifest.digest, image.manifest.digest);
    assert.is(got.id, image.id);
    assert.is(got.index?.digest, index.digest);
    assert.is((await s.images.get(index.digest.slice(7, 19))).id, image.id, 'found by its index digest too');
    await s.images.tag('app:1', 'app:2');
    assert.is((await s.images.get('app:2')).index?.digest, index.digest, 'a tag names the index');
    const idx = JSON.parse((await s.images.content.readAll(index.digest)).toString('utf8')) as Index;
    assert.is(idx.manifests.length, 2);
    const att = idx.manifests[1];
    assert.equal(att?.platform, { architecture: 'unknown', os: 'unknown' });
    assert.is(att?.annotations?.['vnd.docker.reference.type'], ATTESTATION_MANIFEST);
    assert.is(att?.annotations?.['vnd.docker.reference.digest'], image.manifest.digest);
    const am = JSON.parse((await s.images.content.readAll(att?.digest ?? index.digest)).toString('utf8')) as Manifest;
    assert.equal(am.layers.map((l) => [l.mediaType, l.annotations?.['in-toto.io/predicate-type']]), [[IN_TOTO_MEDIA_TYPE, 'https://slsa.dev/provenance/v0.2'], [IN_TOTO_MEDIA_TYPE, 'https://spdx.dev/Document']]);
    const refs = await s.images.referencedBlobs();
    for (const d of [index.digest, att?.digest, am.config.digest, ...am.layers.map((l) => l.digest)]) assert.ok(refs.has(d as never), `GC keeps ${d}`);
    const scanned = await scanImages(s.images, () => 'ok');
    assert.equal(scanned.map((i) => i.damage), [undefined]);
    const broken = await scanImages(s.images, (d) => (d === am.layers[0]?.digest ? 'damaged' : 'ok'));
    assert.match(broken[0]?.damage ?? '', /attestation blob sha256:[a-f0-9]+ is damaged/);
    await s.images.remove('app:1');
    await s.images.remove('app:2');
    assert.equal(await s.images.list(), []);
  } finally {
    await s.cleanup();
  }
});

test('statements are read back in order and retargeted to the pushed manifest digest only where they named the local one', async () => {
  const { s, image, index } = await attested();
  try {
    const idx = JSON.parse((await s.images.content.readAll(index.digest)).toString('utf8')) as Index;
    const st = await readStatements(s.images.content, idx);
    assert.equal(st.map((x) => x.predicateType), ['https://slsa.dev/provenance/v0.2', 'https://spdx.dev/Document']);
    const remote = sha256('remote manifest');
    const moved = JSON.parse(retargetStatement(st[0]?.bytes ?? Buffer.alloc(0), image.manifest.digest, remote).toString('utf8')) as { subject: { digest: { sha256: string } }[] };
    assert.is(moved.subject[0]?.digest.sha256, remote.slice(7));
    const other = retargetStatement(st[0]?.bytes ?? Buffer.alloc(0), sha256('another'), remote);
    assert.is(other, st[0]?.bytes, 'a statement about another manifest is left as it is');
    assert.is(index.mediaType, MediaType.index);
  } finally {
    await s.cleanup();
  }
});

test.run();
