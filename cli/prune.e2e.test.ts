// kiln prune, du and the automatic GC as users run them, and the store kept whole while
// builds and prunes run at once on one root (bin/kiln, real runc and overlayfs).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';
import { jsonLines } from '../util/test-json.js';

if (e2eReady('kiln prune e2e', ['runc', 'busybox', 'tar'])) {
  const test = suite('kiln prune e2e');
  const fx = kilnFixture('prune', { env: { KILN_GC: '0' } });
  const { tmp, context } = fx;
  const kiln = (args: string[], env: NodeJS.ProcessEnv = {}): KilnRun => {
    const r = fx.kiln(args, { env });
    if (r.code !== 0) console.error(`kiln ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
    return r;
  };
  const kilnAsync = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<KilnRun> => fx.kilnAsync(args, { env });
  /** A build with its own output: /g names the build, /r is a unique-sized layer. */
  const app = (name: string, salt: string): Promise<string> =>
    context(name, {
      Dockerfile: `FROM bb\nCOPY f /f\nRUN echo ${name} > /g && cat /f >> /g\nRUN head -c ${20_000 + salt.length * 1000} /dev/zero > /r\n`,
      f: `${salt}\n`,
    });
  const images = (): { names: string[]; id: string }[] => {
    const r = kiln(['images', '--no-trunc', '--format', 'json']);
    assert.is(r.code, 0, r.stderr);
    return jsonLines<{ Repository: string; Tag: string; ID: string }>(r.stdout).map((i) => ({ names: [`${i.Repository}:${i.Tag}`], id: i.ID }));
  };
  /** Saves `name` and checks every blob in the archive against its digest; returns how many it checked. */
  const saveAndVerify = async (name: string): Promise<number> => {
    const out = join(tmp, `save-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`);
    await rm(out, { recursive: true, force: true });
    await mkdir(out);
    const s = kiln(['save', '--format', 'oci', '-o', join(out, 'image.tar'), name]);
    assert.is(s.code, 0, `save ${name}: ${s.stderr}`);
    assert.is(spawnSync('tar', ['-xf', join(out, 'image.tar'), '-C', out]).status, 0);
    const blobs = await readdir(join(out, 'blobs', 'sha256'));
    for (const b of blobs) {
      const hex = createHash('sha256').update(await readFile(join(out, 'blobs', 'sha256', b))).digest('hex');
      assert.is(hex, b, `${name}: blob ${b} is damaged`);
    }
    return blobs.length;
  };

  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('builds and a prune storm on one root: every build succeeds, every image saves whole and runs', async () => {
    // Tagged before the storm.
    const before = await app('before', 'b');
    assert.is(kiln(['build', '-q', '-t', 'before:1', before]).code, 0);
    const expected = new Map<string, string>([['before:1', 'before']]);
    for (let round = 0; round < 3; round++) {
      const builds: Promise<KilnRun>[] = [];
      const width = round === 2 ? 8 : 3;
      for (let i = 0; i < width; i++) {
        const name = `app${i}`;
        const dir = await app(name, `${name}-${round % 2}`);
        // Cached rebuilds (same content every other round) reuse old blobs and snapshots: the racy case.
        const tag = `${name}:${round}`;
        expected.set(tag, name);
        builds.push(kilnAsync(['build', '-q', '-t', tag, ...(round === 1 && i === 0 ? ['--no-cache'] : []), dir]));
      }
      let stop = false;
      const all = Promise.all(builds).finally(() => {
        stop = true;
      });
      const storm = async (args: string[], pause: number): Promise<void> => {
        while (!stop) {
          const p = await kilnAsync(['prune', '-f', ...args]);
          assert.is(p.code, 0, `prune ${args.join(' ')}: ${p.stderr}`);
          if (pause > 0) await new Promise((r) => setTimeout(r, pause));
        }
      };
      const [results] = await Promise.all([all, storm([], 100), storm(['--keep-storage', '1'], 0), storm(['--filter', 'until=1s'], 50)]);
      for (const r of results) assert.is(r.code, 0, `a build failed during the storm: ${r.stderr}`);
      // An untagged image between rounds: its data is garbage now, but not while a build reuses it.
      if (round === 0) assert.is(kiln(['rmi', 'app1:0']).code, 0);
      expected.delete('app1:0');
    }
    assert.is(kiln(['prune', '-f', '--keep-storage', '0']).code, 0);
    const listed = images().flatMap((i) => i.names);
    for (const [tag, name] of expected) {
      assert.ok(listed.includes(tag), `${tag} is still listed`);
      assert.ok((await saveAndVerify(tag)) >= 4, `${tag}: manifest, config and layers saved`);
      const run = kiln(['run', '--rm', tag, 'cat', '/g']);
      assert.is(run.code, 0, `${tag}: ${run.stderr}`);
      assert.ok(run.stdout.startsWith(`${name}\n`), `${tag} runs: ${run.stdout}`);
    }
  });

  test('du shows each kind, and its reclaimable total is exactly what prune then frees', async () => {
    const dir = await app('du', 'du');
    assert.is(kiln(['build', '-q', '-t', 'du:1', dir]).code, 0);
    assert.is(kiln(['rmi', 'du:1']).code, 0);
    const du = kiln(['du', '--format', 'json']);
    assert.is(du.code, 0, du.stderr);
    const usage = JSON.parse(du.stdout) as { reclaimable: number; kinds: { kind: string; reclaimable: number }[] };
    assert.equal(
      usage.kinds.map((k) => k.kind),
      ['images', 'build cache', 'containers', 'cache mounts', 'volumes', 'unreferenced'],
    );
    assert.is(usage.kinds.reduce((n, k) => n + k.reclaimable, 0), usage.reclaimable, 'kinds add up');
    assert.ok(usage.reclaimable > 20_000, 'the removed image and the build cache are reclaimable');
    const p = kiln(['prune', '-f', '--format', 'json']);
    assert.is(p.code, 0, p.stderr);
    assert.is((JSON.parse(p.stdout) as { bytes: number }).bytes, usage.reclaimable);
    const after = JSON.parse(kiln(['du', '--format', 'json']).stdout) as { reclaimable: number };
    assert.is(after.reclaimable, 0);
    const text = kiln(['system', 'df', '-v']);
    assert.match(text.stdout, /^images\s+\d+/m);
    assert.match(text.stdout, /Build cache:/);
  });

  test('prune flags: --filter until keeps recent cache, --dangling and --all remove images, --cache-mounts', async () => {
    const dir = await context('flags', { Dockerfile: 'FROM bb\nRUN --mount=type=cache,target=/c echo hi > /c/x && echo built > /b\n' });
    assert.is(kiln(['build', '-q', '-t', 'flags:1', dir]).code, 0);
    const cached = (): boolean => /CACHED/.test(kiln(['build', '--progress', 'plain', '-t', 'flags:1', dir]).stderr);
    assert.is(kiln(['prune', '-f', '--filter', 'until=1h']).code, 0);
    assert.ok(cached(), 'records used in the last hour stay');
    assert.is(kiln(['prune', '-f', '--filter', 'until=bogus']).code, 2, 'a bad duration is a usage error');
    const mounts = (): number => (JSON.parse(kiln(['du', '--format', 'json']).stdout) as { kinds: { kind: string; count: number }[] }).kinds.find((k) => k.kind === 'cache mounts')?.count ?? -1;
    assert.is(mounts(), 1);
    assert.is(kiln(['prune', '-f']).code, 0);
    assert.is(mounts(), 1, 'cache mounts stay without --cache-mounts');
    assert.is(kiln(['prune', '-f', '--cache-mounts']).code, 0);
    assert.is(mounts(), 0);
    // A dangling image: its name moved to another image.
    const other = await context('flags2', { Dockerfile: 'FROM bb\nRUN echo other > /o\n' });
    assert.is(kiln(['build', '-q', '-t', 'flags:1', other]).code, 0);
    const count = (): number => images().length;
    const n = count();
    const d = kiln(['prune', '-f', '--dangling']);
    assert.is(d.code, 0, d.stderr);
    assert.match(d.stdout, /deleted: sha256:/);
    assert.is(count(), n - 1, 'only the dangling image went');
    assert.ok(images().some((i) => i.names.includes('flags:1')));
    assert.is(kiln(['prune', '-f', '--all']).code, 0);
    assert.is(count(), 0, '--all removes every image no container uses');
    const rebuilt = kiln(['build', '-q', '-t', 'bb', fx.baseContext]);
    assert.is(rebuilt.code, 0, rebuilt.stderr);
  });

  test('the automatic GC under a small limit keeps the newest build fully cached and evicts older ones', async () => {
    const gc = { KILN_GC: '1', KILN_GC_KEEP_STORAGE: '1', KILN_GC_INTERVAL: '0' };
    const a = await app('gca', 'aaaaa');
    const b = await app('gcb', 'bbbbbbbbbb');
    assert.is(kiln(['build', '-q', '-t', 'gca', a], gc).code, 0);
    assert.is(kiln(['build', '-q', '-t', 'gcb', b], gc).code, 0);
    const again = kiln(['build', '--progress', 'plain', '-t', 'gcb', b], { KILN_GC: '0' });
    assert.is(again.code, 0, again.stderr);
    assert.not.match(again.stderr, /^#\d+ \d+\.\d+ /m, 'the newest build ran nothing');
    assert.is((again.stderr.match(/^#\d+ CACHED$/gm) ?? []).length, 4, again.stderr);
    const old = kiln(['build', '--progress', 'plain', '-t', 'gca', a], { KILN_GC: '0' });
    assert.is(old.code, 0, old.stderr);
    assert.ok((old.stderr.match(/^#\d+ CACHED$/gm) ?? []).length < 4, `the older build's steps were evicted: ${old.stderr}`);
    assert.ok(images().some((i) => i.names.includes('gca:latest')), 'images are never the GC\'s to remove');
  });

  test.run();
}
