// Unpacking images into overlay snapshots keyed by chain ID (root, real overlayfs).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from '../../cache/content/index.js';
import { OverlaySnapshotter } from '../../cache/snapshot/index.js';
import { mountAll, unmount } from '../../executor/mount.js';
import { MediaType, type Descriptor } from '../../oci/index.js';
import { ImageStore } from './store.js';
import { makeTar, type TarSpec } from './testing.js';
import { unpackImage } from './unpack.js';
import { hostPlatform } from '../../oci/index.js';
import { chainIDs, writeImage } from './write.js';
import { e2eReady } from '../../util/test-e2e.js';
import { rejects } from '../../util/test-assert.js';

const mounter = { mountAll, unmount: (t: string) => unmount(t) };

if (e2eReady('unpack e2e', ['mount', 'umount'])) {
  const test = suite('unpackImage e2e');
  let dir = '';
  let images: ImageStore;
  let content: LocalContentStore;
  let sn: OverlaySnapshotter;
  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-test-unpack-'));
    content = new LocalContentStore(join(dir, 'oci'));
    images = await ImageStore.open(join(dir, 'oci'), content);
    sn = new OverlaySnapshotter(join(dir, 'snapshots'));
  });
  test.after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function image(name: string, layers: readonly (readonly TarSpec[])[]): Promise<void> {
    const descs: Descriptor[] = [];
    for (const l of layers) {
      const info = await content.writeStream(Readable.from([await makeTar(l)]));
      descs.push({ mediaType: MediaType.layer, digest: info.digest, size: info.size });
    }
    const m = await writeImage(content, { ...hostPlatform(), rootfs: { type: 'layers', diff_ids: descs.map((d) => d.digest) } }, descs);
    await images.put(m, [name]);
  }

  async function keys(): Promise<string[]> {
    const out: string[] = [];
    await sn.walk((i) => {
      out.push(i.key);
    });
    return out.sort();
  }

  const base: TarSpec[] = [{ name: 'a', body: 'a' }, { name: 'd/', type: 'directory' }, { name: 'd/x', body: 'x' }, { name: 'd/y', body: 'y' }, { name: 'keep', body: 'k' }];

  test('layers become chain-ID snapshots; deletions and opaque dirs apply', async () => {
    await image('two', [base, [{ name: '.wh.a', body: '' }, { name: 'd/', type: 'directory' }, { name: 'd/.wh..wh..opq', body: '' }, { name: 'd/z', body: 'z' }]]);
    const rec = await images.get('two');
    const top = await unpackImage(images, sn, rec, { mounter, tmpDir: dir });
    const config = await images.config(rec);
    const chains = chainIDs(config.rootfs.diff_ids);
    assert.is(top, chains[1]);
    assert.equal(await keys(), [...chains].sort());
    const mnt = await mkdtemp(join(dir, 'view-'));
    await mountAll(await sn.view('v', top), mnt);
    try {
      assert.equal((await readdir(mnt)).sort(), ['d', 'keep']);
      assert.equal(await readdir(join(mnt, 'd')), ['z']);
      assert.is(await readFile(join(mnt, 'keep'), 'utf8'), 'k');
    } finally {
      await unmount(mnt);
      await sn.remove('v');
    }
  });

  test('a second image sharing the base layer adds only its own layer; unpacking again does nothing', async () => {
    await image('other', [base, [{ name: 'extra', body: 'e' }]]);
    const before = (await keys()).length;
    await unpackImage(images, sn, await images.get('other'), { mounter, tmpDir: dir });
    assert.is((await keys()).length, before + 1);
    await unpackImage(images, sn, await images.get('other'), { mounter, tmpDir: dir });
    assert.is((await keys()).length, before + 1);
  });

  test('a hostile layer is refused and leaves no snapshot', async () => {
    await image('evil', [base, [{ name: 'link', type: 'symlink', linkname: '/' }, { name: 'link/etc/evil', body: 'x' }]]);
    const before = await keys();
    await rejects(unpackImage(images, sn, await images.get('evil'), { mounter, tmpDir: dir }), /link\/etc\/evil/);
    assert.equal(await keys(), before);
    assert.equal((await readdir(dir)).filter((n) => n.startsWith('kiln-unpack-')), []);
  });

  test.run();
}
