// Behaviour of real runs (root; the whole suite under crun, kiln's default,
// and under runc): exit codes, separate ordered streams, stdin, terminals,
// Docker's env and user rules, start failures, cwd, mounts, limits, overlay
// rootfs without mount stubs, host network.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NotFoundError } from '../util/errors.js';
import { rejects } from '../util/test-assert.js';
import { e2eReady } from '../util/test-e2e.js';
import { ContainerStartError } from './errors.js';
import { selfCgroupDirs } from './cgroups.js';
import { shellQuote } from './runtime.js';
import { Collector, leftovers, runIn, setupFixture, teardownFixture, testId, waitForText, type Fixture } from './test-support.js';

for (const kind of (['crun', 'runc'] as const).filter((k) => e2eReady(`executor run e2e (${k})`, [k, 'script']))) {
  const test = suite(`run e2e (${kind})`);
  let f: Fixture;
  const sh = (script: string, over = {}) => runIn(f, ['sh', '-c', script], over);

  test.before(async () => {
    f = await setupFixture(kind);
  });
  test.after(async () => {
    const left = await leftovers(f);
    await teardownFixture(f);
    assert.equal(left, { state: [], mounts: [], bundles: [] });
  });

  test('kiln itself stays in the host mount namespace and working directory; the host keeps its cgroup2 mount', async () => {
    const ns = readlinkSync('/proc/thread-self/ns/mnt');
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(' - cgroup2 ')).length;
    for (let i = 0; i < 3; i++) assert.is((await sh('true')).exitCode, 0);
    assert.is(readlinkSync('/proc/thread-self/ns/mnt'), ns);
    assert.is(readlinkSync('/proc/thread-self/cwd'), process.cwd());
    assert.is(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(' - cgroup2 ')).length, mounts);
  });

  test('exit codes 0, 1 and 7 propagate', async () => {
    for (const code of [0, 1, 7]) assert.is((await sh(`exit ${code}`)).exitCode, code);
  });

  test('SIGKILL gives 137: killed by the runtime, and a child killed by itself', async () => {
    const out = new Collector();
    const run = runIn(f, ['sh', '-c', 'echo ready; sleep 100'], { id: 'killed' }, { stdout: out });
    await waitForText(out, 'ready');
    const id = (await readdir(join(f.stateDir, kind)))[0] ?? '';
    assert.ok(await f.executor.signal(id, 'KILL'));
    assert.is((await run).exitCode, 137);
    // PID 1 ignores its own SIGKILL inside the namespace, so the victim is a child shell.
    // (`; exit $?` keeps the outer shell from exec'ing the inner one as PID 1.)
    assert.is((await sh('sh -c \'kill -9 $$\'; exit $?')).exitCode, 137);
  });

  test('stdout and stderr arrive separately and in order, all of it', async () => {
    const r = await sh('for i in 1 2 3; do echo out$i; echo err$i >&2; done; yes | head -c 1000000 >&2');
    assert.is(r.out, 'out1\nout2\nout3\n');
    assert.ok(r.err.startsWith('err1\nerr2\nerr3\ny\ny\n'));
    assert.is(r.err.length, 15 + 1_000_000);
  });

  test('stdin: piped when given, empty otherwise', async () => {
    const r = await runIn(f, ['sh', '-c', 'cat; echo done'], {}, { stdin: Readable.from(['hello\n', 'world\n']) });
    assert.is(r.out, 'hello\nworld\ndone\n');
    assert.is((await runIn(f, ['cat'])).out, '');
  });

  test('tty: the process gets a pty; stdout and stderr are merged; TERM=xterm', async () => {
    const r = await runIn(
      f,
      ['sh', '-c', 'tty; test -t 0 && test -t 1 && echo both-tty; echo to-stderr >&2; read line; echo "got $line"; echo "TERM=$TERM"'],
      { tty: true },
      { stdin: Readable.from(['typed\n']) },
    );
    // The container's pty echoes the typed line whenever it arrives (cooked mode), so drop it.
    const lines = r.out.split('\r\n').filter((l) => l !== 'typed');
    assert.equal(lines, ['/dev/pts/0', 'both-tty', 'to-stderr', 'got typed', 'TERM=xterm', '']);
    assert.is(r.err, '');
    assert.is(r.exitCode, 0);
  });

  test('tty on a real terminal (kiln run -it): the runtime uses it directly, window size included', async () => {
    // script(1) gives the kiln process a terminal of 40x100 as its stdin and stdout.
    const child = join(dirname(fileURLToPath(import.meta.url)), 'test-child.js');
    const kiln = [process.execPath, child, 'tty', f.stateDir, f.rootfs, testId('tty')].map(shellQuote).join(' ');
    const term = spawn('script', ['-qfec', `stty rows 40 cols 100; exec ${kiln}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = new Collector();
    term.stdout.pipe(out);
    await waitForText(out, 'TERM=xterm');
    term.stdin.write('hello\r');
    const [code] = (await once(term, 'exit')) as [number];
    const lines = out.text().split('\r\n');
    assert.equal(lines.slice(0, 3), ['/dev/pts/0', '40 100', 'TERM=xterm']);
    assert.ok(lines.includes('got hello'), out.text());
    assert.is(code, 5);
  });

  test('env: Docker\'s defaults, the caller\'s values win', async () => {
    const r = await sh('env | sort', { hostname: 'envbox' });
    assert.equal(r.out.trim().split('\n').filter((l) => !/^(PWD|SHLVL)=/.test(l)), [
      'HOME=/root',
      'HOSTNAME=envbox',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    const custom = await sh('echo "$PATH|$HOME|$FOO"', { env: ['PATH=/bin', 'HOME=/elsewhere', 'FOO=a b'] });
    assert.is(custom.out, '/bin|/elsewhere|a b\n');
  });

  test('users like Docker: name, uid, name:group, uid:gid, unknown uid', async () => {
    // uid, gid, all groups (id -G: the gid, then supplementary groups), HOME
    const id = (user: string) => sh('echo "$(id -u) $(id -g) | $(id -G) | $HOME"', { user }).then((r) => r.out.trim());
    assert.is(await id('app'), '1000 1000 | 1000 2000 | /home/app');
    assert.is(await id('1000'), '1000 1000 | 1000 2000 | /home/app');
    assert.is(await id('app:extra'), '1000 2000 | 2000 | /home/app');
    assert.is(await id('4242:4343'), '4242 4343 | 4343 | /');
    assert.is(await id('nobody'), '65534 65534 | 65534 | /nonexistent');
    assert.is(await id('root'), '0 0 | 0 | /root');
  });

  test('an unknown user is a clear error, and nothing is left behind', async () => {
    const err = await rejects(sh('true', { user: 'ghost' }), /^unable to find user ghost: no matching entries in passwd file$/);
    assert.instance(err, NotFoundError);
    assert.equal(await leftovers(f), { state: [], mounts: [], bundles: [] });
  });

  test('a missing command: Docker\'s message and exit code 127, no stack trace', async () => {
    const err = await rejects(runIn(f, ['nope']), /^exec: "nope": executable file not found in \$PATH$/);
    assert.instance(err, ContainerStartError);
    assert.is((err as ContainerStartError).exitCode, 127);
    await rejects(runIn(f, ['/bin/nope']), /^exec: "\/bin\/nope": stat \/bin\/nope: no such file or directory$/);
  });

  test('a command that cannot be executed: 126, named as runc and docker name it', async () => {
    const err = await rejects(runIn(f, ['/etc']), /^exec: "\/etc": permission denied$/);
    assert.is((err as ContainerStartError).exitCode, 126);
  });

  test('cwd is created when missing', async () => {
    assert.is((await sh('pwd', { cwd: '/work/deep' })).out, '/work/deep\n');
  });

  test('bind mounts (ro, rw) and tmpfs', async () => {
    const ro = join(f.tmp, 'ro');
    const rw = join(f.tmp, 'rw');
    await mkdir(ro);
    await mkdir(rw);
    await writeFile(join(ro, 'in'), 'from host');
    const mounts = [
      { type: 'bind' as const, source: ro, destination: '/mnt/ro', readonly: true },
      { type: 'bind' as const, source: rw, destination: '/mnt/rw', readonly: false },
      { type: 'tmpfs' as const, destination: '/scratch' },
    ];
    const r = await sh('cat /mnt/ro/in; echo; touch /mnt/ro/x; echo "ro=$?"; echo written > /mnt/rw/out; grep " /scratch " /proc/mounts | cut -d" " -f3; touch /scratch/y && echo tmpfs-ok', { mounts });
    assert.is(r.out, 'from host\nro=1\ntmpfs\ntmpfs-ok\n');
    assert.is(await readFile(join(rw, 'out'), 'utf8'), 'written\n');
  });

  test('memory and pids limits apply to the container\'s cgroup', async () => {
    const r = await sh(
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max',
      { limits: { memoryBytes: 64 << 20, pids: 32 } },
    );
    assert.is(r.out, `${64 << 20}\n32\n`);
  });

  test('--memory 32m: allocating 64 MiB is OOM-killed (137, oomKilled); under the limit it is not; no cgroup is left', async () => {
    const limits = { memoryBytes: 32 << 20 };
    const over = await runIn(f, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], { limits });
    assert.is(over.exitCode, 137);
    assert.is(over.oomKilled, true);
    const under = await runIn(f, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=8M', 'count=1'], { limits });
    assert.is(under.exitCode, 0);
    assert.is(under.oomKilled, undefined);
    assert.equal(await sandboxLeftovers(), []);
  });

  test('--pids-limit 20 stops a fork loop that runs without it', async () => {
    const loop = 'i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo forked $i';
    const limited = await sh(loop, { limits: { pids: 20 } });
    assert.is.not(limited.exitCode, 0);
    assert.match(limited.err, /can't fork|Resource temporarily unavailable/);
    const free = await sh(`${loop}; kill $(jobs -p) 2>/dev/null; true`);
    assert.is(free.out, 'forked 40\n');
    assert.equal(await sandboxLeftovers(), []);
  });

  test('overlay rootfs: writes land in the upper dir, without mount stubs', async () => {
    const snap = join(f.tmp, 'snap');
    await mkdir(join(snap, 'upper'), { recursive: true });
    await mkdir(join(snap, 'work'));
    const rootfs = [{ type: 'overlay', source: snap, options: [`lowerdir=${f.rootfs}`, 'upperdir=upper', 'workdir=work'] }];
    const r = await sh('echo hi > /created; ls /proc/self >/dev/null && test -s /etc/hosts && echo ok', { rootfs });
    assert.is(r.out, 'ok\n');
    const upper = await readdir(join(snap, 'upper'));
    assert.equal(upper.filter((e) => e !== 'etc').sort(), ['created']);
    assert.equal(upper.includes('etc') ? await readdir(join(snap, 'upper/etc')) : [], []);
  });

  test('network host: the host\'s interfaces and resolv.conf; /sys is still mounted', async () => {
    const r = await sh('tail -n +3 /proc/net/dev | wc -l; cat /etc/resolv.conf; ls /sys/class/net | wc -l', { network: 'host' });
    const [ifaces = '0', ...rest] = r.out.trim().split('\n');
    const hostIfaces = (await readFile('/proc/net/dev', 'utf8')).trim().split('\n').length - 2;
    assert.is(Number(ifaces), hostIfaces);
    assert.ok(rest.join('\n').includes((await readFile('/etc/resolv.conf', 'utf8')).trim()));
    assert.is(Number(rest.at(-1)), hostIfaces);
  });

  test.run();
}

/**
 * Sandbox cgroups of this test process's containers left in its cgroups (other kilns on the host have their own),
 * where runc puts them and where crun does (below kiln's memory cgroup's path in every hierarchy).
 */
async function sandboxLeftovers(): Promise<string[]> {
  const out: string[] = [];
  const dirs = selfCgroupDirs();
  const mem = dirs.find((d) => d.controllers.includes('memory')) ?? dirs.find((d) => d.version === 2);
  const places = new Set(dirs.flatMap((d) => [d.dir, ...(mem === undefined ? [] : [join(d.mount, mem.path)])]));
  for (const dir of places) out.push(...(await readdir(dir).catch(() => [])).filter((n) => n.startsWith(`kiln-kiln-test-${process.pid}-`)).map((n) => join(dir, n)));
  return out;
}
