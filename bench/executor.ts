/**
 * Executor bench (a script, run as root: `npm run bench:executor -- [N]`):
 * N containers of /bin/true through OciRuntimeExecutor on an overlay rootfs
 * (mount, bundle, run, delete, unmount), interleaved with N bare
 * `<runtime> run` of a prepared bundle with the same config.json, for runc
 * and crun when installed. Prints medians and the overhead kiln adds.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { mountAll, mountPointsUnder, unmount } from '../executor/mount.js';
import { OciRuntimeExecutor } from '../executor/runc.js';
import { resolveRuntime, type Runtime } from '../executor/runtime.js';
import { toRuntimeSpec } from '../executor/spec.js';
import { makeBusyboxRootfs } from '../executor/test-support.js';
import type { Mount } from '../oci/index.js';

const runs = Number(process.argv[2] ?? 20);
const sink = (): Writable => new Writable({ write: (_c, _e, done) => done() });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

async function overlay(tmp: string, lower: string, n: number | string): Promise<Mount[]> {
  const dir = join(tmp, `snap-${n}`);
  await mkdir(join(dir, 'upper'), { recursive: true });
  await mkdir(join(dir, 'work'));
  return [{ type: 'overlay', source: dir, options: [`lowerdir=${lower}`, 'upperdir=upper', 'workdir=work'] }];
}

function bare(rt: Runtime, root: string, bundle: string, id: string): Promise<number> {
  const [cmd = '', ...args] = [...rt.wrapper, rt.path, '--root', root, 'run', '--bundle', bundle, id];
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? -1));
  });
}

async function prepareBare(tmp: string, lower: string, kind: string): Promise<string> {
  const bundle = join(tmp, `bare-${kind}`);
  const rootfs = join(bundle, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  await mountAll(await overlay(tmp, lower, `bare-${kind}`), rootfs);
  const etc = { hostsPath: join(bundle, 'hosts'), resolvPath: join(bundle, 'resolv.conf'), hostnamePath: join(bundle, 'hostname') };
  await Promise.all(Object.values(etc).map((p) => writeFile(p, '')));
  const user = { uid: 0, gid: 0, additionalGids: [], home: '/root' };
  const spec = { id: 'bare', rootfs: [], args: ['/bin/true'], env: [], network: 'none' as const };
  await writeFile(join(bundle, 'config.json'), JSON.stringify(toRuntimeSpec(spec, { rootfsPath: rootfs, user, arch: process.arch, ...etc })));
  return bundle;
}

async function bench(kind: 'runc' | 'crun', tmp: string, lower: string): Promise<void> {
  const runtime = await resolveRuntime({ runtime: kind }).catch(() => undefined);
  if (runtime === undefined) return console.log(`${kind}: not installed, skipped`);
  const stateDir = join(tmp, `state-${kind}`);
  const executor = new OciRuntimeExecutor({ stateDir, runtime });
  const bundle = await prepareBare(tmp, lower, kind);
  const kiln: number[] = [];
  const raw: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const rootfs = await overlay(tmp, lower, `${kind}-${i}`);
      let t = performance.now();
      const r = await executor.run({ id: `bench-${i}`, rootfs, args: ['/bin/true'], env: [], network: 'none' }, { stdio: { stdout: sink(), stderr: sink() } });
      kiln.push(performance.now() - t);
      t = performance.now();
      const code = await bare(runtime, join(stateDir, 'bare'), bundle, `bare-${i}`);
      raw.push(performance.now() - t);
      if (r.exitCode !== 0 || code !== 0) throw new Error(`bench run failed: kiln ${r.exitCode}, bare ${code}`);
    }
  } finally {
    await unmount(join(bundle, 'rootfs'));
  }
  const [k, b] = [median(kiln), median(raw)];
  console.log(`${kind}${runtime.wrapper.length > 0 ? ' (private mount ns wrapper)' : ''}: kiln run median ${k.toFixed(1)} ms, bare ${kind} run median ${b.toFixed(1)} ms, overhead ${(k - b).toFixed(1)} ms (${runs} runs each)`);
}

const tmp = await mkdtemp(join(tmpdir(), 'kiln-bench-'));
try {
  const lower = join(tmp, 'busybox');
  await makeBusyboxRootfs(lower);
  await bench('runc', tmp, lower);
  await bench('crun', tmp, lower);
} finally {
  for (const point of await mountPointsUnder(tmp)) await unmount(point, { detach: true });
  await rm(tmp, { recursive: true, force: true });
}
