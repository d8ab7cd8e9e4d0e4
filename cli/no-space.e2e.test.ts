// kiln build on a full disk (issue 9): the root is a small file system of its
// own (a 64 MiB tmpfs; a loop-mounted 64 MiB ext4), so a COPY or RUN can fill
// it. Each way of filling it fails with one line naming what kiln was doing and
// the root, exit 1, no stack trace; the failed step's files are gone at once,
// and the next build after the cause is removed succeeds on the same root with
// the earlier images intact.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { repoRoot } from '../util/test-paths.js';

const kilnBin = join(repoRoot(), 'bin', 'kiln');
const MiB = 1024 * 1024;

/** How a test file system is made and mounted at `dir` (`tmp` holds anything it needs). */
interface Backing {
  readonly name: string;
  readonly tools: readonly string[];
  mount(dir: string, tmp: string): void;
}

const tmpfs: Backing = {
  name: 'tmpfs',
  tools: ['runc', 'busybox', 'mount', 'umount'],
  mount: (dir) => execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]),
};

const ext4: Backing = {
  name: 'loop-mounted ext4',
  tools: ['runc', 'busybox', 'mount', 'umount', 'mkfs.ext4', 'losetup'],
  mount: (dir, tmp) => {
    const image = join(tmp, 'disk.img');
    execFileSync('truncate', ['-s', '64M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image]);
    // -o loop attaches with autoclear: unmounting detaches the loop device.
    execFileSync('mount', ['-o', 'loop', image, dir]);
  },
};

for (const backing of [tmpfs, ext4]) {
  if (!e2eReady(`kiln build on a full ${backing.name}`, backing.tools)) continue;
  const test = suite(`kiln build on a full ${backing.name}`);
  let tmp = '';
  let root = '';
  let mounted = false;
  const kiln = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(kilnBin, ['--root', root, ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const context = async (name: string, files: Record<string, string | Buffer>): Promise<string> => {
    const dir = join(tmp, name);
    await mkdir(dir, { recursive: true });
    for (const [f, body] of Object.entries(files)) await writeFile(join(dir, f), body);
    return dir;
  };
  const freeMiB = async (): Promise<number> => {
    const st = await statfs(root);
    return (st.bfree * st.bsize) / MiB;
  };
  /** One line, exactly this error, and nothing that looks like a stack frame. */
  const oneLine = (stderr: string, message: string): void => {
    assert.is(stderr.trim(), `error: ${message}`);
    assert.not.match(stderr, /\n\s+at /);
  };
  let freeAfterBase = 0;

  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-nospace-'));
    root = join(tmp, 'root');
    await mkdir(root);
    backing.mount(root, tmp);
    mounted = true;
    const base = await context('busybox', {
      passwd: 'root:x:0:0:root:/root:/bin/sh\n',
      group: 'root:x:0:\n',
      Dockerfile: 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nCOPY passwd group /etc/\n',
    });
    await copyFile('/bin/busybox', join(base, 'busybox'));
    const r = kiln('build', '--progress', 'quiet', '-t', 'bb', base);
    assert.is(r.code, 0, r.stderr);
    freeAfterBase = await freeMiB();
  });
  test.after(async () => {
    if (mounted) execFileSync('umount', [root]);
    await rm(tmp, { recursive: true, force: true });
  });

  test('a COPY larger than the disk fails in one line naming the copy and the root; its partial copy is removed', async () => {
    const dir = await context('copy-big', { Dockerfile: 'FROM bb\nCOPY big /big\n', big: Buffer.alloc(100 * MiB, 1) });
    const r = kiln('build', '--progress', 'quiet', dir);
    assert.is(r.code, 1);
    oneLine(r.stderr, `no space left on device while copying files for [2/2] COPY big /big, free space under ${root}`);
    assert.ok((await freeMiB()) > freeAfterBase - 2, `free ${await freeMiB()} MiB, ${freeAfterBase} before`);
  });

  test('a COPY that fits but whose layer does not fails in one line naming the layer write', async () => {
    const dir = await context('layer-big', { Dockerfile: 'FROM bb\nCOPY big /big\n', big: randomBytes(Math.floor(freeAfterBase * 0.6) * MiB) });
    const r = kiln('build', '--progress', 'quiet', dir);
    assert.is(r.code, 1);
    oneLine(r.stderr, `no space left on device while writing the layer of [2/2] COPY big /big, free space under ${root}`);
    assert.ok((await freeMiB()) > freeAfterBase - 2, `free ${await freeMiB()} MiB, ${freeAfterBase} before`);
  });

  test('a RUN that fills the disk fails with its own exit code and the hint; its snapshot is removed', async () => {
    const dir = await context('run-big', { Dockerfile: 'FROM bb\nRUN dd if=/dev/zero of=/big bs=1M count=100\n' });
    const r = kiln('build', '--progress', 'quiet', dir);
    assert.is(r.code, 1);
    const [first] = r.stderr.split('\n');
    assert.is(first, `error: Dockerfile:2:1: failed to solve: process "/bin/sh -c dd if=/dev/zero of=/big bs=1M count=100" did not complete successfully: exit code: 1 (no space left on device while running it, free space under ${root})`);
    assert.not.match(r.stderr, /\n\s+at /);
    assert.ok((await freeMiB()) > freeAfterBase - 2, `free ${await freeMiB()} MiB, ${freeAfterBase} before`);
  });

  test('a RUN that fails for another reason gets no hint', async () => {
    const dir = await context('run-fails', { Dockerfile: 'FROM bb\nRUN exit 3\n' });
    const r = kiln('build', '--progress', 'quiet', dir);
    assert.is(r.code, 1);
    assert.match(r.stderr, /did not complete successfully: exit code: 3\n/);
    assert.not.match(r.stderr, /no space/);
  });

  test('a disk filled by something else: the build stops in one line; once freed, builds work and earlier images are intact', async () => {
    const filler = join(root, 'filler');
    // 4 MiB: more than a filled ext4 still lets small writes have.
    const dir = await context('after', { Dockerfile: 'FROM bb\nCOPY data /data\nRUN wc -c < /data > /size\n', data: Buffer.alloc(4 * MiB, 2) });
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${filler} bs=1M count=100 2>/dev/null || true`]);
    const full = kiln('build', '--progress', 'quiet', '-t', 'after', dir);
    assert.is(full.code, 1);
    assert.match(full.stderr.trim(), new RegExp(`^error: no space left on device while [^\\n]+, free space under ${root}$`));
    await rm(filler);
    const r = kiln('build', '--progress', 'quiet', '-t', 'after', dir);
    assert.is(r.code, 0, r.stderr);
    assert.is(kiln('run', '--rm', 'after', 'cat', '/size').stdout.trim(), String(4 * MiB));
    const images = kiln('images');
    assert.is(images.code, 0, images.stderr);
    assert.match(images.stdout, /^bb\s+latest\s/m);
    assert.match(images.stdout, /^after\s+latest\s/m);
    const saved = join(tmp, 'bb.tar');
    const save = kiln('save', 'bb', '-o', saved);
    assert.is(save.code, 0, save.stderr);
    const listing = execFileSync('tar', ['-tf', saved], { encoding: 'utf8' });
    assert.match(listing, /manifest\.json/);
    assert.ok((await readFile(saved)).length > MiB, 'the saved image holds busybox');
  });

  test.run();
}
