// The engines bench/run.mjs times: a kiln tree (this one, or another given
// with --compare) and, when a Docker daemon is reachable, BuildKit through the
// docker CLI. Each engine keeps its own state (a kiln root, or the daemon's
// cache), builds the same case folders, and is timed as a whole client process.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const gnuTime = existsSync('/usr/bin/time');
export const haveGnuTime = gnuTime;

/** Runs argv as one timed process; peak RSS from GNU time when installed. */
function timed(argv, env, what) {
  const cmd = gnuTime ? ['/usr/bin/time', '-f', '%M', ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr}`);
  const rss = gnuTime ? Number(r.stderr.trim().split('\n').pop()) / 1024 : NaN;
  return { s, rss };
}

/** The offline busybox base of the shared README, as a build context. */
export function writeBaseContext(dir) {
  mkdirSync(dir, { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'busybox'));
  writeFileSync(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(dir, 'group'), 'root:x:0:\n');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\nCOPY passwd group /etc/\n');
}

/** A kiln checkout (its bin/kiln, built) with a root of its own under work. */
export function kilnEngine(name, tree, work, env) {
  const kiln = join(tree, 'bin', 'kiln');
  if (!existsSync(join(tree, 'dist', 'bundle', 'main.js'))) throw new Error(`${tree}: not built (no dist/bundle/main.js); run node scripts/build.mjs there`);
  const dir = join(work, name);
  const root = join(dir, 'root');
  const baseTar = join(dir, 'base.tar');
  const run = (r, args) => execFileSync(kiln, ['--root', r, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    name,
    desc: `${name} (${tree})`,
    setup(baseCtx) {
      mkdirSync(dir, { recursive: true });
      run(root, ['build', '-q', '-t', 'bench/busybox', baseCtx]);
      run(root, ['save', 'bench/busybox', '-o', baseTar]);
    },
    build(caseDir, { noCache = false, fresh = false } = {}) {
      return timed([kiln, '--root', fresh ? join(dir, 'fresh') : root, 'build', '--progress', 'quiet', '--network', 'none', ...(noCache ? ['--no-cache'] : []), caseDir], env, `${name}: kiln build ${caseDir}`);
    },
    /** An empty root holding only the base image (not timed). */
    freshRoot() {
      const r = join(dir, 'fresh');
      rmSync(r, { recursive: true, force: true });
      run(r, ['load', '-q', '-i', baseTar]);
    },
    baseTar,
  };
}

/**
 * BuildKit behind dockerd, when `docker` is on PATH and answers at DOCKER_HOST
 * (or the socket given). Returns the reason as a string when it is not reachable.
 */
export function buildkitEngine(socket, env) {
  const denv = { ...env, DOCKER_BUILDKIT: '1' };
  if (socket) denv.DOCKER_HOST = socket.includes('://') ? socket : `unix://${socket}`;
  if (!denv.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return 'no DOCKER_HOST, no --docker socket and no /var/run/docker.sock';
  const probe = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { env: denv, encoding: 'utf8' });
  if (probe.error) return `docker CLI not usable: ${probe.error.message}`;
  if (probe.status !== 0) return `docker daemon not reachable at ${denv.DOCKER_HOST ?? '/var/run/docker.sock'}: ${probe.stderr.trim()}`;
  const docker = (args) => execFileSync('docker', args, { env: denv, stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    name: `BuildKit (dockerd ${probe.stdout.trim()})`,
    short: 'BuildKit',
    setup(_baseCtx, kilnBaseTar) {
      docker(['load', '-q', '-i', kilnBaseTar]);
    },
    build(caseDir, { noCache = false } = {}) {
      return timed(['docker', 'build', '-q', '--network', 'none', ...(noCache ? ['--no-cache'] : []), caseDir], denv, `BuildKit: docker build ${caseDir}`);
    },
    /** "Fresh root" for BuildKit: its build cache dropped (the base image stays). */
    freshRoot() {
      docker(['builder', 'prune', '-af']);
    },
  };
}
