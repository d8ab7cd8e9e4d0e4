/**
 * The shared e2e fixture: bin/kiln run as a child process (synchronously, or
 * asynchronously so servers in the test process keep answering, optionally
 * under GNU time for the child's peak RSS), on a temp root with the offline
 * busybox base image (`kilnFixture`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as assert from 'uvu/assert';
import { BUSYBOX_GROUP, BUSYBOX_PASSWD, HOST_BUSYBOX } from './test-busybox.js';
import { repoRoot } from './test-paths.js';

/** GNU time (Debian package `time`), for peak RSS. */
export const GNU_TIME = '/usr/bin/time';

export interface KilnRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A started bin/kiln; `output()` is what it printed so far. */
export interface KilnProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly done: Promise<KilnRun>;
}

/** Starts `bin/kiln args` with `env` added to the environment. */
export function startKiln(args: readonly string[], env: NodeJS.ProcessEnv = {}, wrap: readonly string[] = []): KilnProcess {
  const kiln = join(repoRoot(), 'bin', 'kiln');
  const [cmd, ...rest] = [...wrap, kiln, ...args];
  const child = spawn(cmd as string, rest, { cwd: repoRoot(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<KilnRun>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, output: () => stdout + stderr, done };
}

/** Runs bin/kiln to the end. */
export function runKiln(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<KilnRun> {
  return startKiln(args, env).done;
}

/** Runs bin/kiln under GNU time; `peakKiB` is its maximum resident set size. */
export async function runKilnMeasured(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<KilnRun & { readonly peakKiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-test-time-'));
  try {
    const out = join(dir, 'rss');
    const run = await startKiln(args, env, [GNU_TIME, '-f', '%M', '-o', out]).done;
    const peakKiB = Number((await readFile(out, 'utf8')).trim().split('\n').pop());
    return { ...run, peakKiB };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Options of a kiln fixture. */
export interface KilnFixtureOptions {
  /** Added to every run's environment; an undefined value removes that variable. */
  readonly env?: NodeJS.ProcessEnv;
  /** /etc/passwd of the base image (default: root, nobody, app). */
  readonly passwd?: string;
  /**
   * Run kiln as this unprivileged host user (rootless kiln), through
   * setpriv, with HOME its home; the temp dir then belongs to the user.
   */
  readonly user?: string;
}

/** Per-run options of the fixture's runners. */
export interface KilnRunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Another root than the fixture's. */
  readonly root?: string;
  /** What the synchronous runners (`kiln`, `ok`) write to kiln's stdin. */
  readonly input?: string | Buffer;
}

/**
 * One e2e test file's kiln: a temp dir (`tmp`) holding its root (`root`),
 * runners of bin/kiln on that root, build contexts, and the offline busybox
 * base image `bb` (FROM scratch, COPY the host's static busybox, RUN its
 * --install), built once per file and loaded from a saved tarball into any
 * other root that needs it.
 */
export interface KilnFixture {
  readonly tmp: string;
  readonly root: string;
  /** The base image's build context (filled by the first `baseImage()`). */
  readonly baseContext: string;
  /** Runs `kiln --root ROOT args` to the end, synchronously. */
  kiln(args: readonly string[], options?: KilnRunOptions): KilnRun;
  /** Runs it asynchronously (servers in the test process keep answering). */
  kilnAsync(args: readonly string[], options?: KilnRunOptions): Promise<KilnRun>;
  /** Starts it; the caller waits on `done`. */
  start(args: readonly string[], options?: KilnRunOptions): KilnProcess;
  /** Runs it and asserts exit 0, with its stderr in the failure message. */
  ok(args: readonly string[], options?: KilnRunOptions): KilnRun;
  /** Writes `files` (paths may hold `/`) into a new context dir `tmp/name`. */
  context(name: string, files: Readonly<Record<string, string>>): Promise<string>;
  /** Makes the base image `bb` present in `root` (default: the fixture's). */
  baseImage(root?: string): Promise<void>;
  /** Removes the temp dir. */
  cleanup(): Promise<void>;
}

/** A fixture for one e2e file; `name` labels its temp dir. */
export function kilnFixture(name: string, options: KilnFixtureOptions = {}): KilnFixture {
  const tmp = mkdtempSync(join(tmpdir(), `kiln-test-${name}-`));
  const root = join(tmp, 'root');
  const kilnBin = join(repoRoot(), 'bin', 'kiln');
  const as = options.user === undefined ? undefined : asUser(options.user, tmp);
  const wrap = as?.wrap ?? [];
  const envFor = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...as?.env, ...options.env, ...extra };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    return env;
  };
  const argv = (args: readonly string[], o: KilnRunOptions): string[] => ['--root', o.root ?? root, ...args];
  const kiln = (args: readonly string[], o: KilnRunOptions = {}): KilnRun => {
    const [cmd, ...rest] = [...wrap, kilnBin, ...argv(args, o)];
    const r = spawnSync(cmd as string, rest, { cwd: repoRoot(), encoding: 'utf8', timeout: 180_000, env: envFor(o.env), ...(o.input === undefined ? {} : { input: o.input }) });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args: readonly string[], o: KilnRunOptions = {}): KilnRun => {
    const r = kiln(args, o);
    assert.is(r.code, 0, `kiln ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
    return r;
  };
  const baseTar = join(tmp, 'base-bb.tar');
  const baseContext = join(tmp, 'base-context');
  const haveBase = new Set<string>();
  return {
    tmp,
    root,
    baseContext,
    kiln,
    ok,
    kilnAsync: (args, o = {}) => startKiln(argv(args, o), envFor(o.env), wrap).done,
    start: (args, o = {}) => startKiln(argv(args, o), envFor(o.env), wrap),
    async context(dirName, files) {
      const dir = join(tmp, dirName);
      await mkdir(dir, { recursive: true });
      for (const [f, body] of Object.entries(files)) {
        await mkdir(dirname(join(dir, f)), { recursive: true });
        await writeFile(join(dir, f), body);
      }
      return dir;
    },
    async baseImage(at = root) {
      if (haveBase.has(at)) return;
      if (existsSync(baseTar)) {
        ok(['load', '-i', baseTar], { root: at });
      } else {
        const dir = baseContext;
        await mkdir(dir);
        await copyFile(HOST_BUSYBOX, join(dir, 'busybox'));
        await writeFile(join(dir, 'passwd'), options.passwd ?? BUSYBOX_PASSWD);
        await writeFile(join(dir, 'group'), BUSYBOX_GROUP);
        await writeFile(join(dir, 'Dockerfile'), BASE_DOCKERFILE);
        ok(['build', '-q', '-t', 'bb', dir], { root: at });
        ok(['save', 'bb', '-o', baseTar], { root: at });
      }
      haveBase.add(at);
    },
    cleanup: () => rm(tmp, { recursive: true, force: true }),
  };
}

/** How to run a command as host user `name` (setpriv keeps PATH, unlike runuser); gives it `dir`. */
function asUser(name: string, dir: string): { wrap: string[]; env: NodeJS.ProcessEnv } {
  const id = (flag: string): string => spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim();
  const uid = id('-u');
  const gid = id('-g');
  if (uid === '' || gid === '') throw new Error(`no such user ${name}: run scripts/rootless-user.sh`);
  chownSync(dir, Number(uid), Number(gid));
  const home = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.split(':')[5] ?? dir;
  return {
    wrap: ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--'],
    env: { HOME: home, XDG_RUNTIME_DIR: undefined, XDG_DATA_HOME: undefined, KILN_ROOTLESS: undefined },
  };
}

/** The offline base image: no registry, no network, only the host's static busybox. */
const BASE_DOCKERFILE = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'RUN ["/bin/busybox","--install","-s","/bin"]',
  'COPY passwd group /etc/',
  'RUN ["/bin/busybox","mkdir","-p","-m","1777","/tmp"]',
  '',
].join('\n');
