import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkVolumeName } from './names.js';
import { parseMountFlag, parseVolumeFlag } from './mount-spec.js';
import { VolumeStore } from './store.js';
import { Volumes } from './volumes.js';
import { fillVolumes } from './populate.js';

const test = suite('volumes');
let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-test-volumes-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("names: docker's rule; hostile names never reach a path", async () => {
  for (const ok of ['data', 'a1', 'my_vol.2-x', '0abc']) assert.is(checkVolumeName(ok), ok);
  for (const bad of ['../../x', '..', '.hidden', 'a/b', '/abs', 'x', '', '-x', 'a b', 'a\0b', 'é1']) {
    assert.throws(() => checkVolumeName(bad), /invalid characters for a local volume name/, bad);
  }
  const store = new VolumeStore(join(dir, 'volumes'));
  for (const bad of ['../../x', '..', 'a/../../b']) {
    await store.create(bad).then(() => assert.unreachable(bad), (err: Error) => assert.match(err.message, /invalid characters/));
    assert.throws(() => store.dataPath(bad), /invalid characters/);
  }
  assert.equal(await readdir(dir).catch(() => []), []);
});

test('-v: bind, named volume, anonymous volume, options', () => {
  assert.equal(parseVolumeFlag('/host:/ctr'), { type: 'bind', source: '/host', destination: '/ctr', readonly: false, mustExist: false });
  assert.equal(parseVolumeFlag('/host:/ctr:ro'), { type: 'bind', source: '/host', destination: '/ctr', readonly: true, mustExist: false });
  assert.equal(parseVolumeFlag('data:/ctr:ro,nocopy'), { type: 'volume', name: 'data', destination: '/ctr', readonly: true, noCopy: true, labels: {} });
  assert.equal(parseVolumeFlag('/ctr'), { type: 'volume', destination: '/ctr', readonly: false, noCopy: false, labels: {} });
  assert.throws(() => parseVolumeFlag('rel'), /a single path must be absolute/);
  assert.throws(() => parseVolumeFlag('../../x:/ctr'), /invalid characters for a local volume name/);
  assert.throws(() => parseVolumeFlag('data:rel'), /must be absolute/);
  assert.throws(() => parseVolumeFlag('/a:/b:zz'), /unknown option "zz"/);
  assert.throws(() => parseVolumeFlag('/a:/b:nocopy'), /nocopy is for volumes/);
  assert.throws(() => parseVolumeFlag('a:b:c:d'), /expected SRC:DST/);
});

test('--mount: docker keys, defaults and errors', () => {
  assert.equal(parseMountFlag('type=bind,source=/h,target=/c,readonly'), { type: 'bind', source: '/h', destination: '/c', readonly: true, mustExist: true });
  assert.equal(parseMountFlag('type=bind,src=/h,dst=/c,ro=false'), { type: 'bind', source: '/h', destination: '/c', readonly: false, mustExist: true });
  assert.equal(parseMountFlag('source=data,target=/c,volume-nocopy'), { type: 'volume', name: 'data', destination: '/c', readonly: false, noCopy: true, labels: {} });
  assert.equal(parseMountFlag('type=volume,destination=/c,volume-label=a=b'), { type: 'volume', destination: '/c', readonly: false, noCopy: false, labels: { a: 'b' } });
  assert.equal(parseMountFlag('type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770'), { type: 'tmpfs', destination: '/t', options: ['nosuid', 'nodev', 'noexec', `size=${64 << 20}`, 'mode=1770'] });
  assert.throws(() => parseMountFlag('type=bind,source=/h'), /target is required/);
  assert.throws(() => parseMountFlag('type=bind,target=/c'), /needs source=HOST-PATH/);
  assert.throws(() => parseMountFlag('type=bind,source=rel,target=/c'), /must be an absolute path/);
  assert.throws(() => parseMountFlag('type=nfs,target=/c'), /unknown type "nfs"/);
  assert.throws(() => parseMountFlag('type=tmpfs,target=/c,tmpfs-size=lots'), /tmpfs-size "lots"/);
  assert.throws(() => parseMountFlag('type=tmpfs,target=/c,volume-nocopy'), /unexpected key "volume-nocopy" for type=tmpfs/);
  assert.throws(() => parseMountFlag('type=volume,source=../../x,target=/c'), /invalid characters/);
  assert.throws(() => parseMountFlag('type=bind,source=/h,target=/c,readonly=maybe'), /readonly=maybe: expected true or false/);
});

test('store: create is idempotent, anonymous names, remove; a volume in use is not removed', async () => {
  const users = new Map<string, string[]>();
  const v = new Volumes(join(dir, 'volumes'), async () => users);
  const a = await v.create('data', { labels: { k: 'v' } });
  await writeFile(join(v.store.dataPath('data'), 'f'), 'x');
  const again = await v.create('data');
  assert.equal(again, a);
  const anon = await v.create(undefined, { anonymous: true });
  assert.match(anon.name, /^[0-9a-f]{64}$/);
  assert.equal(anon.labels, { 'com.docker.volume.anonymous': '' });
  assert.equal((await v.list()).map((x) => x.record.name).sort(), ['data', anon.name].sort());
  users.set('data', ['c'.repeat(64)]);
  await v.remove('data').then(() => assert.unreachable(), (err: Error) => assert.match(err.message, /remove data: volume is in use by container cccccccccccc/));
  const pruned = await v.prune();
  assert.equal(pruned.removed, [anon.name]);
  users.clear();
  assert.equal((await v.prune()).removed, []); // named volumes only with all
  assert.equal((await v.prune({ all: true })).removed, ['data']);
  await v.remove('data').then(() => assert.unreachable(), (err: Error) => assert.match(err.message, /no such volume: data/));
  await v.remove('data', { force: true });
  assert.equal(await v.list(), []);
});

test("filling from the image: a symlinked mount path is followed inside the image's rootfs, never out of it", async () => {
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(join(rootfs, 'etc', 'image-file'), 'in the image\n');
  await symlink('/etc', join(rootfs, 'data')); // absolute: the host's /etc if followed on the host
  await symlink('../../../../../../etc', join(rootfs, 'up')); // climbs: clamped at the rootfs
  for (const path of ['/data', '/up']) {
    const data = join(dir, `vol${path}`);
    await mkdir(data, { recursive: true });
    await fillVolumes(rootfs, [{ data, imagePath: path }]);
    assert.equal(await readdir(data), ['image-file'], path);
  }
});

test.run();
