// kill -9 at random moments during `kiln import` and `kiln load`: the store stays consistent.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeTar } from './testing.js';
import { e2eReady } from '../../util/test-e2e.js';
import { jsonLines } from '../../util/test-json.js';
import { repoRoot } from '../../util/test-paths.js';

const kilnBin = join(repoRoot(), 'bin', 'kiln');
const KILLS = 20;

function kiln(root: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(kilnBin, ['--root', root, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function killAfter(args: string[], ms: number): Promise<void> {
  const child = spawn(kilnBin, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await exited;
}

/** Every listed image must be whole: inspect works and all its blobs exist. */
function assertConsistent(root: string, allowed: readonly string[]): void {
  const r = kiln(root, 'images', '--no-trunc', '--format', 'json');
  assert.is(r.code, 0, r.stderr);
  const list = jsonLines<{ Repository: string; Tag: string; ID: string }>(r.stdout);
  for (const image of list) {
    assert.ok(allowed.includes(`${image.Repository}:${image.Tag}`), `unexpected image ${image.Repository}:${image.Tag}`);
    assert.is(kiln(root, 'inspect', image.ID).code, 0);
  }
}

if (e2eReady('crash safety e2e', [])) {
  const test = suite('crash safety e2e');
  let tmp = '';
  let tarball = '';
  test.before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'kiln-test-crash-'));
    tarball = join(tmp, 'big.tar');
    const entries = Array.from({ length: 4 }, (_, i) => ({ name: `blob-${i}`, body: randomBytes(8 << 20).toString('latin1') }));
    await writeFile(tarball, await makeTar(entries));
  });
  test.after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  for (const [what, seed] of [['import', 1], ['load', 2]] as const) {
    test(`kill -9 during ${what} at ${KILLS} random moments`, async () => {
      const root = join(tmp, `root-${what}`);
      let args: string[];
      if (what === 'import') {
        args = ['--root', root, 'import', tarball, 'big:1'];
      } else {
        const src = join(tmp, 'src-root');
        assert.is(kiln(src, 'import', tarball, 'big:1').code, 0);
        assert.is(kiln(src, 'save', 'big:1', '-o', join(tmp, 'big-archive.tar')).code, 0);
        args = ['--root', root, 'load', '-i', join(tmp, 'big-archive.tar')];
      }
      const t0 = Date.now();
      assert.is(spawnSync(kilnBin, args).status, 0);
      const full = Date.now() - t0;
      assert.is(kiln(root, 'rmi', 'big:1').code, 0);
      const rand = prng(seed);
      for (let i = 0; i < KILLS; i++) {
        await killAfter(args, Math.floor(rand() * full));
        assertConsistent(root, ['big:1', '<none>:<none>']);
      }
      // The command above opened the root, which cleans up ingests left by killed writers.
      assert.equal(await readdir(join(root, 'oci', 'ingest')).catch(() => []), []);
      const retry = spawnSync(kilnBin, args, { encoding: 'utf8' });
      assert.is(retry.status, 0, retry.stderr);
      assertConsistent(root, ['big:1', '<none>:<none>']);
      assert.is(kiln(root, 'inspect', 'big:1').code, 0);
    });
  }

  test.run();
}
