/** Test images built by hand: an OCI layout holding a two-platform index, for skopeo to push. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MediaType } from '../store/index.js';
import { makeTar } from '../store/image/testing.js';
import { sha256, type Digest } from '../util/digest.js';

async function blob(dir: string, data: Buffer | string): Promise<{ digest: Digest; size: number }> {
  const digest = sha256(data);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: Buffer.byteLength(data) };
}

/** Writes the layout (ref name `multi`) and returns the config digests (image ids) per architecture. */
export async function makeMultiPlatformLayout(dir: string): Promise<{ amd64: Digest; arm64: Digest }> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const ids: Record<string, Digest> = {};
  const manifests = [];
  for (const architecture of ['amd64', 'arm64']) {
    const tar = await makeTar([{ name: 'arch', body: `${architecture}\n` }]);
    const layer = await blob(dir, gzipSync(tar));
    const config = await blob(dir, JSON.stringify({ architecture, os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } }));
    ids[architecture] = config.digest;
    const m = await blob(dir, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.manifest, config: { mediaType: MediaType.config, ...config }, layers: [{ mediaType: MediaType.layerGzip, ...layer }] }));
    manifests.push({ mediaType: MediaType.manifest, ...m, platform: { architecture, os: 'linux' } });
  }
  const index = await blob(dir, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.index, manifests }));
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MediaType.index, ...index, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }] }));
  return { amd64: ids.amd64 as Digest, arm64: ids.arm64 as Digest };
}
