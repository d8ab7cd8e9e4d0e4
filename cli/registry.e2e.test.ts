// Registry round trips against Debian's docker-registry, checked with skopeo.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalContentStore } from '../cache/content/index.js';
import { pull, push, RegistryError, type RetryPolicy } from '../registry/index.js';
import { startProxy, startRegistry, type TestProxy, type TestRegistry } from '../registry/test-servers.js';
import { makeMultiPlatformLayout } from '../registry/test-images.js';
import { ImageStore, importRootfs, layoutDir, type ImageRecord } from '../store/index.js';
import { makeTar } from '../store/image/testing.js';
import { e2eReady } from '../util/test-e2e.js';
import { rejects } from '../util/test-assert.js';
import { makeLoginCommand, makeLogoutCommand, makePullCommand, makePushCommand } from './commands/registry-cmds.js';

const fast: RetryPolicy = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

if (e2eReady('registry e2e', ['docker-registry', 'skopeo', 'htpasswd'])) {
  const test = suite('registry e2e');
  let tmp = '';
  let plain: TestRegistry;
  let basic: TestRegistry;
  let proxy: TestProxy;
  let n = 0;
  const oldConfig = process.env.DOCKER_CONFIG;

  const openRoot = async (name: string): Promise<{ root: string; images: ImageStore }> => {
    const root = join(tmp, name);
    return { root, images: await ImageStore.open(layoutDir(root), new LocalContentStore(layoutDir(root))) };
  };
  /** A small image of its own (distinct layer) named `name` in `images`. */
  const makeImage = async (images: ImageStore, name: string, extra = 0): Promise<ImageRecord> => {
    const tar = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/id', body: `${++n} ${randomBytes(8).toString('hex')}` }, { name: 'big', body: randomBytes(extra).toString('base64') }]);
    return importRootfs(images, Readable.from([tar]), { name, sourceLabel: 'test' });
  };
  /** Runs registry commands as `kiln --root ROOT ...`, returning stdout. */
  const cli = async (root: string, args: string[], stdin = ''): Promise<string> => {
    let out = '';
    const ctx = { stdout: (s: string) => (out += s), stderr: () => undefined, readStdin: async () => stdin, addSource: () => undefined, setExitCode: () => undefined };
    const program = new Command('kiln').option('--root <dir>').exitOverride();
    for (const c of [makePullCommand(ctx), makePushCommand(ctx), makeLoginCommand(ctx), makeLogoutCommand(ctx)]) program.addCommand(c);
    await program.parseAsync(['--root', root, ...args], { from: 'user' });
    return out;
  };
  const skopeo = (...args: string[]): string => execFileSync('skopeo', args, { encoding: 'utf8' });

  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-registry-'));
    process.env.DOCKER_CONFIG = join(tmp, 'docker');
    const hash = execFileSync('htpasswd', ['-Bbn', 'kiln', 's3cret-pw'], { encoding: 'utf8' });
    [plain, basic] = await Promise.all([startRegistry(join(tmp, 'reg-plain')), startRegistry(join(tmp, 'reg-basic'), hash)]);
    proxy = await startProxy(plain.port);
  });
  test.after(async () => {
    await Promise.all([plain?.stop(), basic?.stop(), proxy?.stop()]);
    if (oldConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = oldConfig;
    await rm(tmp, { recursive: true, force: true });
  });

  test('kiln push: skopeo reads the same config and layers; a second push only finds them there', async () => {
    const a = await openRoot('push-a');
    const image = await makeImage(a.images, 'app:1', 300_000);
    const out = await cli(a.root, ['push', 'app:1', `${plain.host}/x:1`]);
    assert.match(out, /: compressed\n/);
    assert.match(out, /: pushed\n/);
    const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
    const info = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${plain.host}/x:1`)) as { Digest: string; Layers: string[] };
    assert.is(info.Digest, digest);
    const raw = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/x:1`)) as { config: { digest: string }; layers: { mediaType: string }[] };
    assert.is(raw.config.digest, image.id);
    assert.is(raw.layers[0]?.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const config = JSON.parse(skopeo('inspect', '--config', '--tls-verify=false', `docker://${plain.host}/x:1`)) as { rootfs: { diff_ids: string[] } };
    assert.equal(config.rootfs.diff_ids, (await a.images.manifest(image)).layers.map((l) => l.digest));
    skopeo('copy', '--quiet', '--src-tls-verify=false', `docker://${plain.host}/x:1`, `oci:${join(tmp, 'copy')}:x`);
    const again = await cli(a.root, ['push', 'app:1', `${plain.host}/x:1`]);
    assert.not.match(again, /compressed|pushed/);
    assert.match(again, /: exists\n/);
    const other = await cli(a.root, ['push', 'app:1', `${plain.host}/elsewhere/y:2`]);
    assert.match(other, /: mounted\n/);
    const b = await openRoot('push-b');
    assert.match(await cli(b.root, ['pull', `${plain.host}/elsewhere/y:2`]), new RegExp(image.id));
    assert.is((await b.images.get(`${plain.host}/elsewhere/y:2`)).id, image.id);
  });

  test('a multi-platform index pushed by skopeo: kiln pull picks linux/amd64, or --platform', async () => {
    const layout = join(tmp, 'multi');
    const ids = await makeMultiPlatformLayout(layout);
    skopeo('copy', '--quiet', '--all', '--dest-tls-verify=false', `oci:${layout}:multi`, `docker://${plain.host}/multi:1`);
    const r = await openRoot('multi-amd64');
    await cli(r.root, ['pull', `${plain.host}/multi:1`]);
    const amd = await r.images.get(`${plain.host}/multi:1`);
    assert.is(amd.id, ids.amd64);
    assert.is((await r.images.config(amd)).architecture, 'amd64');
    const arm = await openRoot('multi-arm64');
    await cli(arm.root, ['pull', '--platform', 'linux/arm64', `${plain.host}/multi:1`]);
    assert.is((await arm.images.get(`${plain.host}/multi:1`)).id, ids.arm64);
    await rejects(pull(arm.images, `${plain.host}/multi:1`, { platform: { os: 'linux', architecture: 's390x' } }), /no manifest for platform linux\/s390x \(it has linux\/amd64, linux\/arm64\)/);
  });

  test('unknown tag: manifest unknown naming the reference', async () => {
    const r = await openRoot('unknown');
    await rejects(pull(r.images, `${plain.host}/x:nope`), (e) => e instanceof RegistryError && e.message === `manifest unknown: ${plain.host}/x:nope`);
  });

  test('Basic auth: wrong password is a clear 401 without the secret; login stores 0600 credentials; logout removes them', async () => {
    const r = await openRoot('basic');
    await makeImage(r.images, 'b:1');
    const err = await rejects(push(r.images, 'b:1', `${basic.host}/b:1`), /unauthorized: authentication required \(check kiln login\)/);
    assert.match((err as Error).message, new RegExp(`^registry ${basic.host}: `));
    const bad = await rejects(cli(r.root, ['login', basic.host, '-u', 'kiln', '--password-stdin'], 'wrong-pw\n'), /unauthorized/);
    assert.not.match(String((bad as Error).message), /wrong-pw/);
    assert.is(await cli(r.root, ['login', basic.host, '-u', 'kiln', '--password-stdin'], 's3cret-pw\n'), 'Login Succeeded\n');
    const path = join(tmp, 'docker', 'config.json');
    assert.is((await stat(path)).mode & 0o777, 0o600);
    assert.is(JSON.parse(await readFile(path, 'utf8')).auths[basic.host].auth, Buffer.from('kiln:s3cret-pw').toString('base64'));
    const pushed = await push(r.images, 'b:1', `${basic.host}/b:1`);
    const fresh = await openRoot('basic-2');
    assert.is((await pull(fresh.images, `${basic.host}/b:1`)).digest, pushed.digest);
    assert.match(await cli(r.root, ['logout', basic.host]), /Removing login credentials/);
    await rejects(pull(fresh.images, `${basic.host}/b:1`), /unauthorized/);
  });

  test('Bearer tokens: fetched from the realm with the stored credentials, cached per scope', async () => {
    proxy.mode.bearer = { credentials: 'tok:en-pw' };
    try {
      const r = await openRoot('bearer');
      await makeImage(r.images, 'c:1');
      await rejects(push(r.images, 'c:1', `${proxy.host}/c:1`), /registry 127\.0\.0\.1:\d+: unauthorized: authentication required \(check kiln login\)/);
      await cli(r.root, ['login', proxy.host, '-u', 'tok', '-p', 'en-pw']);
      const before = proxy.tokenRequests();
      await push(r.images, 'c:1', `${proxy.host}/c:1`);
      assert.ok(proxy.tokenRequests() - before <= 2, `token requests: ${proxy.tokenRequests() - before}`);
      const fresh = await openRoot('bearer-2');
      assert.is((await pull(fresh.images, `${proxy.host}/c:1`)).image.id, (await r.images.get('c:1')).id);
    } finally {
      delete proxy.mode.bearer;
    }
  });

  test('a tampered blob is refused: nothing stored or tagged', async () => {
    const r = await openRoot('tamper-src');
    await makeImage(r.images, 't:1', 50_000);
    await push(r.images, 't:1', `${proxy.host}/t:1`);
    const layer = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/t:1`)).layers[0].digest as string;
    proxy.mode.tamper = new Set([layer]);
    try {
      const fresh = await openRoot('tamper-dst');
      await rejects(pull(fresh.images, `${proxy.host}/t:1`, { retry: fast }), (e) => e instanceof RegistryError && e.kind === 'digest-mismatch' && /refused/.test(e.message));
      assert.equal(await fresh.images.list(), []);
    } finally {
      delete proxy.mode.tamper;
    }
  });

  for (const refuse of ['monolithic', 'chunked'] as const) {
    test(`a registry that refuses ${refuse} uploads still gets the image`, async () => {
      proxy.mode.refuse = refuse;
      try {
        const r = await openRoot(`refuse-${refuse}`);
        const image = await makeImage(r.images, 'r:1', 600_000);
        await push(r.images, 'r:1', `${proxy.host}/refuse-${refuse}:1`, { chunkSize: 256 * 1024 });
        const fresh = await openRoot(`refuse-${refuse}-2`);
        assert.is((await pull(fresh.images, `${proxy.host}/refuse-${refuse}:1`)).image.id, image.id);
      } finally {
        delete proxy.mode.refuse;
      }
    });
  }

  test('the registry stopping mid-push: retries, a clear error, and the next push completes', async () => {
    const r = await openRoot('down');
    const image = await makeImage(r.images, 'd:1', 100_000);
    proxy.mode.stopOnUpload = true;
    const retries: string[] = [];
    const err = await rejects(push(r.images, 'd:1', `${proxy.host}/d:1`, { retry: fast, onRetry: (w) => retries.push(w) }), /cannot reach|ECONNREFUSED|ECONNRESET/);
    assert.ok(err instanceof RegistryError && err.message.startsWith(`registry ${proxy.host}: `), String(err));
    assert.ok(retries.length > 0, 'no retries');
    delete proxy.mode.stopOnUpload;
    await proxy.restart();
    await push(r.images, 'd:1', `${proxy.host}/d:1`);
    const fresh = await openRoot('down-2');
    assert.is((await pull(fresh.images, `${proxy.host}/d:1`)).image.id, image.id);
  });

  test.run();
}
