// kiln check / --repair and damaged blobs, as a user meets them: bin/kiln on
// real runc and overlayfs with a busybox base built offline, and a local
// registry for push. Damage is what a failing disk does: one flipped bit.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from '../cache/content/index.js';
import { push } from '../registry/index.js';
import { startProxy, startRegistry, type TestProxy, type TestRegistry } from '../registry/test-servers.js';
import { ImageStore, layoutDir } from '../store/index.js';
import { DataLossError } from '../util/errors.js';
import { rejects } from '../util/test-assert.js';
import { flipByte } from '../util/test-damage.js';
import { e2eReady } from '../util/test-e2e.js';
import { repoRoot } from '../util/test-paths.js';

const kilnBin = join(repoRoot(), 'bin', 'kiln');

if (e2eReady('kiln check e2e', ['runc', 'busybox', 'docker-registry'])) {
  const test = suite('kiln check e2e');
  let tmp = '';
  let root = '';
  let regA: TestRegistry;
  let regB: TestRegistry;
  let proxyB: TestProxy;
  const kiln = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(kilnBin, ['--root', root, ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (r: ReturnType<typeof kiln>): string => {
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  /** Builds `dockerfile` (in a context of its own) as `name`; returns the plain progress output. */
  const build = async (name: string, dockerfile: string): Promise<string> => {
    const dir = join(tmp, `ctx-${name.replace(/[^a-z0-9]/g, '-')}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Dockerfile'), dockerfile);
    const r = kiln('build', '--progress', 'plain', '-t', name, dir);
    assert.is(r.code, 0, r.stderr);
    return r.stderr;
  };
  const layers = (name: string): string[] => (JSON.parse(ok(kiln('inspect', name))) as { RootFS: { Layers: string[] } }[])[0]?.RootFS.Layers ?? [];
  const blobPath = (digest: string): string => join(root, 'oci', 'blobs', 'sha256', digest.slice('sha256:'.length));
  const noMounts = (): void => {
    assert.is(spawnSync('grep', [root, '/proc/mounts'], { encoding: 'utf8' }).stdout, '', 'no mount left under the root');
  };
  // The Accept header matters: without it the registry answers 404 for an OCI manifest that is there.
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  const status = async (url: string, method = 'GET'): Promise<number> => (await fetch(url, { method, headers: { accept } })).status;

  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-check-e2e-'));
    root = join(tmp, 'root');
    const base = join(tmp, 'ctx-bb');
    await mkdir(base);
    await copyFile('/bin/busybox', join(base, 'busybox'));
    await writeFile(join(base, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n');
    assert.is(kiln('build', '-q', '-t', 'bb', base).code, 0);
    [regA, regB] = await Promise.all([startRegistry(join(tmp, 'reg-a')), startRegistry(join(tmp, 'reg-b'))]);
    proxyB = await startProxy(regB.port);
  });
  test.after(async () => {
    await Promise.all([regA?.stop(), regB?.stop(), proxyB?.stop()]);
    await rm(tmp, { recursive: true, force: true });
  });

  test('a flipped bit in a layer: save fails naming it and leaves no file; check reports it; repair removes it and its names and records; rebuild and save work', async () => {
    const dockerfile = 'FROM bb\nRUN echo hello > /hello\nRUN echo two > /two\n';
    await build('app', dockerfile);
    const layer = layers('app')[2] ?? '';
    await flipByte(blobPath(layer), 600);

    const outDir = join(tmp, 'out');
    await mkdir(outDir);
    const save = kiln('save', 'app', '-o', join(outDir, 'app.tar'));
    assert.is(save.code, 1);
    assert.match(save.stderr, new RegExp(`^error: blob ${layer} is damaged: its content hashes to sha256:[a-f0-9]{64}; run \`kiln check --repair\``));
    assert.not.match(save.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(await readdir(outDir), [], 'no archive and no temp file');

    const check = kiln('check');
    assert.is(check.code, 1);
    const lines = check.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', new RegExp(`^blob ${layer}: damaged, its content hashes to sha256:`));
    assert.ok(lines.includes(`image app:latest: layer ${layer} is damaged`), check.stdout);
    assert.is(lines.filter((l) => l.startsWith('build cache record ') && l.includes(`layer ${layer} of snapshot`)).length, 2, check.stdout);
    assert.match(lines.at(-1) ?? '', /^4 problems found; run `kiln check --repair`/);
    assert.is(kiln('fsck').stdout, check.stdout, 'fsck is the same command');

    const repair = kiln('check', '--repair');
    assert.is(repair.code, 0, repair.stderr);
    assert.match(repair.stdout, /^removed image name app:latest$/m);
    assert.match(repair.stdout, new RegExp(`^removed blob ${layer}$`, 'm'));
    assert.is((repair.stdout.match(/^removed build cache record sha256:[a-f0-9]{64}$/gm) ?? []).length, 2);
    assert.is(ok(kiln('check')), 'no problems found\n');
    assert.match(ok(kiln('images')), /^bb\s/m);
    assert.not.match(ok(kiln('images')), /^app\s/m);

    const rebuilt = await build('app', dockerfile);
    assert.match(rebuilt, /RUN echo hello > \/hello\n#\d+ DONE/, 'the step whose layer was lost ran again');
    ok(kiln('save', 'app', '-o', join(outDir, 'app.tar')));
    const x = join(tmp, 'extracted');
    await mkdir(x);
    assert.is(spawnSync('tar', ['-xf', join(outDir, 'app.tar'), '-C', x]).status, 0);
    const blobs = await readdir(join(x, 'blobs', 'sha256'));
    for (const l of layers('app')) assert.ok(blobs.includes(l.slice(7)), `layer ${l} is in the archive`);
    for (const b of blobs) assert.is(createHash('sha256').update(await readFile(join(x, 'blobs', 'sha256', b))).digest('hex'), b);
    assert.is(ok(kiln('check')), 'no problems found\n');
  });

  test('a snapshot directory removed by hand: check names it (an image layer, re-created later); repair drops it and what is built on it; run and rebuild re-create them', async () => {
    const dockerfile = 'FROM bb\nRUN echo s > /s\n';
    await build('snap', dockerfile);
    const meta = JSON.parse(await readFile(join(root, 'snapshots', 'overlay', 'metadata.json'), 'utf8')) as { snapshots: Record<string, { id: string; parent?: string }> };
    // bb's top layer snapshot: a chain ID whose parent is a chain ID.
    const [key, rec] = Object.entries(meta.snapshots).find(([k, v]) => k.startsWith('sha256:') && v.parent?.startsWith('sha256:') === true) ?? ['', { id: '' }];
    await rm(join(root, 'snapshots', 'overlay', 'l', rec.id), { recursive: true });

    const check = kiln('check');
    assert.is(check.code, 1);
    assert.match(check.stdout, new RegExp(`^snapshot "${key}" \\(layer 2 of image bb:latest\\): missing \\(its directory .*/l/${rec.id}/fs is gone\\), will be re-created from the image's blobs$`, 'm'));
    assert.match(check.stdout, /^build cache record sha256:[a-f0-9]{64}: snapshot "step-[a-z0-9]+" is built on a damaged snapshot$/m);

    const repair = kiln('check', '--repair');
    assert.is(repair.code, 0, repair.stderr);
    assert.match(repair.stdout, new RegExp(`^removed snapshot "${key}" \\(layer 2 of image bb:latest; re-created from its blobs when next used\\)$`, 'm'));
    assert.match(repair.stdout, /^removed snapshot "step-[a-z0-9]+"$/m);
    assert.is(ok(kiln('check')), 'no problems found\n');
    assert.is(ok(kiln('run', '--rm', 'snap', 'cat', '/s')), 's\n', 'the image still runs: its layers are unpacked again');
    assert.match(await build('snap', dockerfile), /RUN echo s > \/s\n#\d+ DONE/);
    assert.is(ok(kiln('check')), 'no problems found\n');
    noMounts();
  });

  test('unpacking a damaged layer (kiln run) fails naming the blob and leaves no snapshot or mount behind', async () => {
    await build('solo', 'FROM bb\nRUN echo solo > /solo\n');
    const layer = layers('solo')[2] ?? '';
    // In the first tar header: the tar no longer parses, so the failure path hashes the blob to say why.
    await flipByte(blobPath(layer), 100);
    const run = kiln('run', '--rm', 'solo', 'cat', '/solo');
    assert.is(run.code, 125, 'kiln run failed before the container ran');
    assert.match(run.stderr, new RegExp(`^error: blob ${layer} is damaged: .*kiln check --repair`));
    noMounts();
    const check = kiln('check');
    assert.not.match(check.stdout, /^snapshot/m, 'no half-unpacked snapshot left');
    assert.match(check.stdout, new RegExp(`^image solo:latest: layer ${layer} is damaged$`, 'm'));
    assert.is(kiln('check', '--repair').code, 0);
    assert.is(ok(kiln('check')), 'no problems found\n');
  });

  test('push never uploads a damaged blob: the layer (compressed on the way) and the remembered gzip both fail clearly, the registry has nothing', async () => {
    await build('pushme', 'FROM bb\nRUN echo p > /p\n');
    const layer = layers('pushme')[2] ?? '';
    await flipByte(blobPath(layer), 600);
    const p = kiln('push', 'pushme', `${regA.host}/pushme:1`);
    assert.is(p.code, 1);
    assert.match(p.stderr, new RegExp(`^error: blob ${layer} is damaged: .*kiln check --repair`, 'm'));
    assert.is(await status(`http://${regA.host}/v2/pushme/manifests/1`), 404);
    assert.is(kiln('check', '--repair').code, 0);

    // 1 MiB of random bytes: the gzip form is several upload chunks.
    await build('gz', 'FROM bb\nRUN head -c 1048576 /dev/urandom > /r\n');
    ok(kiln('push', 'gz', `${regA.host}/gz:1`));
    const diffID = layers('gz')[2] ?? '';
    const map = JSON.parse(await readFile(join(root, 'oci', 'compressed.json'), 'utf8')) as { layers: Record<string, { digest: string }> };
    const gz = map.layers[diffID]?.digest ?? '';
    await flipByte(blobPath(gz), 100);

    // Chunked (the proxy refuses monolithic uploads): the range that ends the blob fails.
    proxyB.mode.refuse = 'monolithic';
    const images = await ImageStore.open(layoutDir(root), new LocalContentStore(layoutDir(root)));
    await rejects(push(images, 'gz', `${proxyB.host}/gz:1`, { chunkSize: 256 * 1024 }), (e) => e instanceof DataLossError && e.message.startsWith(`blob ${gz} is damaged`));
    delete proxyB.mode.refuse;
    // Monolithic, through the CLI.
    const mono = kiln('push', 'gz', `${regB.host}/gz:2`);
    assert.is(mono.code, 1);
    assert.match(mono.stderr, new RegExp(`^error: blob ${gz} is damaged: .*kiln check --repair`, 'm'));
    assert.is(await status(`http://${regB.host}/v2/gz/blobs/${gz}`, 'HEAD'), 404, 'the registry never completed the blob');
    assert.is(await status(`http://${regB.host}/v2/gz/manifests/1`), 404);
    assert.is(await status(`http://${regB.host}/v2/gz/manifests/2`), 404);

    const check = kiln('check');
    assert.is(check.code, 1);
    assert.match(check.stdout, new RegExp(`^blob ${gz}: damaged`, 'm'));
    assert.match(ok(kiln('check', '--repair')), new RegExp(`^removed blob ${gz}$`, 'm'));
    assert.match(ok(kiln('push', 'gz', `${regB.host}/gz:2`)), /: compressed\n/, 'the gzip form is made again');
    assert.is(await status(`http://${regB.host}/v2/gz/manifests/2`), 200);
  });

  test.run();
}
