// Independent tools (skopeo, umoci, GNU tar) agree with what kiln stores and writes.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from '../../cache/content/index.js';
import { MediaType } from '../../oci/index.js';
import { OverlaySnapshotter } from '../../cache/snapshot/index.js';
import { mountAll, unmount } from '../../executor/mount.js';
import { createDiffStream } from '../layer/index.js';
import { ImageStore } from './store.js';
import { makeTar } from './testing.js';
import { hostPlatform } from '../../oci/index.js';
import { writeImage } from './write.js';
import { sha256 } from '../../util/digest.js';
import { e2eReady } from '../../util/test-e2e.js';
import { jsonLines } from '../../util/test-json.js';
import { repoRoot } from '../../util/test-paths.js';

const kilnBin = join(repoRoot(), 'bin', 'kiln');

function sh(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function kiln(root: string, ...args: string[]): string {
  return sh(kilnBin, ['--root', root, ...args]);
}

if (e2eReady('images interop e2e', ['skopeo', 'umoci', 'tar', 'setfattr', 'getfattr'])) {
  const test = suite('images interop e2e');
  let tmp = '';
  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-interop-'));
  });
  test.after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test('GNU tar rootfs (hardlinks, symlinks, setuid, capability, PAX names, sparse) round-trips import → save → load', async () => {
    const src = join(tmp, 'src');
    const long = `${'d'.repeat(60)}/${'f'.repeat(80)}`;
    await mkdir(join(src, 'bin'), { recursive: true });
    await mkdir(join(src, 'd'.repeat(60)), { recursive: true });
    await writeFile(join(src, 'bin', 'tool'), 'tool\n', { mode: 0o4755 });
    await writeFile(join(src, long), 'long name\n');
    sh('ln', [join(src, 'bin', 'tool'), join(src, 'bin', 'tool-hard')]);
    sh('ln', ['-s', 'bin/tool', join(src, 'tool-link')]);
    sh('setfattr', ['-n', 'security.capability', '-v', '0x0100000200200000000000000000000000000000', join(src, 'bin', 'tool')]);
    sh('sh', ['-c', `truncate -s 20M ${join(src, 'sparse')} && printf x | dd of=${join(src, 'sparse')} bs=1 seek=10000000 conv=notrunc status=none`]);
    const tarball = join(tmp, 'rootfs.tar');
    sh('tar', ['--xattrs', '--xattrs-include=security.*', '-S', '-cpf', tarball, '-C', src, '.']);
    const a = join(tmp, 'rootA');
    const b = join(tmp, 'rootB');
    const id = kiln(a, 'import', tarball, 'gnu:1').trim();
    kiln(a, 'save', 'gnu:1', '-o', join(tmp, 'gnu.tar'));
    assert.match(kiln(b, 'load', '-i', join(tmp, 'gnu.tar')), /Loaded image: gnu:1/);
    const inspect = JSON.parse(kiln(b, 'inspect', 'gnu:1')) as [{ Id: string; RootFS: { Layers: string[] } }];
    assert.is(inspect[0].Id, id);
    // Unpack what kiln re-saved with GNU tar and compare with the source tree.
    kiln(b, 'save', 'gnu:1', '-o', join(tmp, 'gnu2.tar'));
    const out = join(tmp, 'out');
    await mkdir(out);
    sh('tar', ['-xf', join(tmp, 'gnu2.tar'), '-C', out]);
    const layer = join(out, 'blobs', 'sha256', inspect[0].RootFS.Layers[0]!.slice(7));
    const rootfs = join(tmp, 'rootfs-out');
    await mkdir(rootfs);
    sh('tar', ['--xattrs', '--xattrs-include=security.*', '-xpf', layer, '-C', rootfs]);
    assert.is(await readFile(join(rootfs, long), 'utf8'), 'long name\n');
    assert.match(sh('stat', ['-c', '%a %h', join(rootfs, 'bin', 'tool')]), /^4755 2/);
    assert.is(sh('readlink', [join(rootfs, 'tool-link')]).trim(), 'bin/tool');
    assert.match(sh('getfattr', ['-n', 'security.capability', '-e', 'hex', join(rootfs, 'bin', 'tool')]), /0x0100000200200000/);
    assert.is(sh('cmp', [join(src, 'sparse'), join(rootfs, 'sparse')]), '');
  });

  test('skopeo reads our docker-archive and OCI archive; its copy loads back with the same digests', async () => {
    const root = join(tmp, 'rootS');
    const tar = await makeTar([{ name: 'hello', body: 'hi\n' }]);
    await writeFile(join(tmp, 'small.tar'), tar);
    const id = kiln(root, 'import', join(tmp, 'small.tar'), 'small:1').trim();
    const diffID = (JSON.parse(kiln(root, 'inspect', 'small:1')) as [{ RootFS: { Layers: string[] } }])[0].RootFS.Layers[0];
    kiln(root, 'save', 'small:1', '-o', join(tmp, 'small-docker.tar'));
    kiln(root, 'save', '--format', 'oci', 'small:1', '-o', join(tmp, 'small-oci.tar'));
    const d = JSON.parse(sh('skopeo', ['inspect', `docker-archive:${join(tmp, 'small-docker.tar')}`])) as { Layers: string[]; Os: string };
    assert.equal(d.Layers, [diffID]);
    assert.is(d.Os, 'linux');
    const o = JSON.parse(sh('skopeo', ['inspect', `oci-archive:${join(tmp, 'small-oci.tar')}`])) as { Layers: string[] };
    assert.equal(o.Layers, [diffID]);
    const layout = join(tmp, 'skopeo-layout');
    sh('skopeo', ['copy', '-q', `docker-archive:${join(tmp, 'small-docker.tar')}`, `oci:${layout}:small`]);
    sh('tar', ['-cf', join(tmp, 'skopeo-layout.tar'), '-C', layout, '.']);
    const other = join(tmp, 'rootS2');
    assert.match(kiln(other, 'load', '-i', join(tmp, 'skopeo-layout.tar')), /Loaded image ID: sha256:/);
    const loaded = jsonLines<{ ID: string }>(kiln(other, 'images', '--no-trunc', '--format', 'json'));
    assert.equal(loaded.map((i) => i.ID), [id]);
    const again = JSON.parse(kiln(other, 'inspect', id)) as [{ RootFS: { Layers: string[] } }];
    assert.equal(again[0].RootFS.Layers, [diffID]);
  });

  test('umoci unpacks our OCI output of real overlay diffs: a deleted file and an opaque directory', async () => {
    const dir = join(tmp, 'rootU');
    const content = new LocalContentStore(join(dir, 'oci'));
    const images = await ImageStore.open(join(dir, 'oci'), content);
    const sn = new OverlaySnapshotter(join(dir, 'snapshots'));
    const mnt = join(tmp, 'mnt');
    await mkdir(mnt);
    // Layer 1: a, d/x, d/y, keep. Layer 2 (through the overlay): rm a; rm -rf d; mkdir d; d/z.
    const steps: ((root: string) => Promise<void>)[] = [
      async (root) => {
        await mkdir(join(root, 'd'));
        for (const [f, v] of [['a', 'a'], ['d/x', 'x'], ['d/y', 'y'], ['keep', 'k']] as const) await writeFile(join(root, f), v);
      },
      async (root) => {
        await rm(join(root, 'a'));
        await rm(join(root, 'd'), { recursive: true });
        await mkdir(join(root, 'd'));
        await writeFile(join(root, 'd', 'z'), 'z');
      },
    ];
    const layers = [];
    let parent: string | undefined;
    for (const [i, step] of steps.entries()) {
      await mountAll(await sn.prepare(`step-${i}`, parent), mnt);
      try {
        await step(mnt);
      } finally {
        await unmount(mnt);
      }
      const d = createDiffStream(await sn.layerDir(`step-${i}`), { sourceDateEpoch: 0 });
      const info = await content.writeStream(d.stream);
      assert.is((await d.done).diffID, info.digest);
      layers.push({ mediaType: MediaType.layer, digest: info.digest, size: info.size });
      await sn.commit(`layer-${i}`, `step-${i}`);
      parent = `layer-${i}`;
    }
    const manifest = await writeImage(content, { ...hostPlatform(), rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }, layers);
    await images.put(manifest, ['two:layers']);
    kiln(dir, 'save', '--format', 'oci', 'two:layers', '-o', join(tmp, 'two.tar'));
    const layout = join(tmp, 'two-layout');
    await mkdir(layout);
    sh('tar', ['-xf', join(tmp, 'two.tar'), '-C', layout]);
    const names = sh('tar', ['-tf', join(layout, 'blobs', 'sha256', layers[1]!.digest.slice(7))]).split('\n').filter(Boolean).sort();
    assert.equal(names, ['.wh.a', 'd/', 'd/.wh..wh..opq', 'd/z']);
    const bundle = join(tmp, 'two-bundle');
    sh('umoci', ['unpack', '--image', `${layout}:docker.io/library/two:layers`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    assert.equal((await readdir(rootfs)).sort(), ['d', 'keep']);
    assert.equal(await readdir(join(rootfs, 'd')), ['z']);
    assert.is(sha256(await readFile(join(rootfs, 'keep'))), sha256('k'));
  });

  test.run();
}
