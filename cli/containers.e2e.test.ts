// Containers that live, as a user drives them (bin/kiln, real runc): `run -d`,
// ps, logs, exec, stop, kill, rm, start, restart, wait, rename, inspect,
// prune, restart policies, and the truth after the supervisor is SIGKILLed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

if (e2eReady('kiln containers e2e', ['runc'])) {
  const test = suite('kiln containers e2e');
  const fx = kilnFixture('containers');
  const { root } = fx;
  const kiln = (...args: string[]): KilnRun => fx.kiln(args);
  const ok = (...args: string[]): string => fx.ok(args).stdout;
  /** `kiln ps -a` as `name status` lines. */
  const states = (): Record<string, string> => {
    const r = fx.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
    assert.is(r.stderr, '', 'no warning');
    return Object.fromEntries(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
  };
  const inspect = (ref: string, format: string): string => ok('container', 'inspect', '-f', format, ref).trim();
  /** Polls until `check` returns a value; the bound only keeps a broken run from hanging the suite. */
  const until = async <T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 600; i++) {
      const v = await check();
      if (v !== undefined) return v;
      await sleep(50);
    }
    throw new Error(`gave up waiting for ${what}`);
  };
  const leftovers = (): { mounts: string; runc: string } => ({
    mounts: spawnSync('grep', [root, '/proc/mounts'], { encoding: 'utf8' }).stdout,
    runc: spawnSync('runc', ['--root', join(root, 'exec', 'runc'), 'list', '-q'], { encoding: 'utf8' }).stdout.trim(),
  });

  test.before(async () => {
    await fx.baseImage();
  });
  test.after(async () => {
    // Whatever a failed test left running goes before the files do.
    kiln('rm', '-f', ...ok('ps', '-a', '-q').split('\n').filter(Boolean));
    await fx.cleanup();
  });

  test('run -d: busybox httpd answers on the host network, its log shows the requests, stop ends it, rm removes it', async () => {
    const port = await freePort();
    const id = ok('run', '-d', '--network', 'host', '--name', 'web', 'bb', 'sh', '-c', `mkdir -p /www && echo hello-from-httpd > /www/index.html && echo starting && exec httpd -f -vv -p 127.0.0.1:${port} -h /www`).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const body = await until('httpd to answer', () => fetchText(`http://127.0.0.1:${port}/index.html`).catch(() => undefined));
    assert.is(body, 'hello-from-httpd\n');
    assert.is(states().web, 'running');
    // httpd -vv logs each request on stderr.
    const logs = await until('the request in the log', () => {
      const r = fx.kiln(['logs', 'web']);
      return r.stderr.includes('response:200') ? r : undefined;
    });
    assert.is(logs.stdout, 'starting\n', 'stdout kept apart');
    assert.match(logs.stderr, /^127\.0\.0\.1:\d+: url:\/index\.html\n127\.0\.0\.1:\d+: response:200\n$/);
    // httpd as PID 1 ignores SIGTERM: stop waits for the timeout, then SIGKILLs.
    assert.is(ok('stop', '-t', '1', 'web'), 'web\n');
    assert.is(inspect('web', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 137');
    assert.is(ok('rm', 'web'), 'web\n');
    assert.not.ok('web' in states());
    assert.not.ok(existsSync(join(root, 'containers', id)), 'its state dir is gone');
    assert.equal(leftovers(), { mounts: '', runc: '' });
  });

  test("exec sees the container's processes and files; -e, -w, -u; exit codes", () => {
    ok('run', '-d', '--name', 'box', 'bb', 'sh', '-c', 'echo inside > /marker; exec sleep 300');
    const ps = ok('exec', 'box', 'ps', '-o', 'pid,args');
    assert.match(ps, /^\s*1 sleep 300$/m, 'PID 1 is the container process');
    assert.is(ok('exec', 'box', 'cat', '/marker'), 'inside\n');
    const top = ok('top', 'box').split('\n');
    assert.match(top[0] ?? '', /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
    assert.equal(top.filter((l) => l.endsWith('sleep 300')).length, 1, 'top lists the container process');
    assert.is(ok('exec', '-e', 'X=1', '-w', '/etc', '-u', 'app', 'box', 'sh', '-c', 'echo $X $(pwd) $(id -u)'), '1 /etc 1000\n');
    assert.is(kiln('exec', 'box', 'sh', '-c', 'exit 4').code, 4);
    const missing = kiln('exec', 'box', 'nope');
    assert.is(missing.code, 127);
    assert.match(missing.stderr, /exec: "nope": executable file not found in \$PATH/);
    ok('rm', '-f', 'box');
  });

  test('kill -9 of the supervisor: ps -a says dead, nothing is left running or mounted, rm cleans', async () => {
    const id = ok('run', '-d', '--name', 'victim', 'bb', 'sleep', '300').trim();
    const state = JSON.parse(await readFile(join(root, 'containers', id, 'state.json'), 'utf8')) as { supervisor: string };
    const pid = Number(state.supervisor.split('-')[0]);
    assert.ok(pid > 0);
    process.kill(pid, 'SIGKILL');
    await until('the supervisor to go', () => (existsSync(`/proc/${pid}`) ? undefined : true));
    assert.is(states().victim, 'dead');
    assert.equal(leftovers(), { mounts: '', runc: '' }, 'the command that looked swept the container away');
    assert.is(ok('rm', 'victim'), 'victim\n');
    assert.not.ok('victim' in states());
  });

  test('an --rm container whose supervisor is killed is removed by the next command', async () => {
    const id = ok('run', '-d', '--rm', 'bb', 'sleep', '300').trim();
    const state = JSON.parse(await readFile(join(root, 'containers', id, 'state.json'), 'utf8')) as { supervisor: string };
    process.kill(Number(state.supervisor.split('-')[0]), 'SIGKILL');
    await until('the container to go', () => (ok('ps', '-a', '-q', '--no-trunc').includes(id) ? undefined : true));
    assert.equal(leftovers(), { mounts: '', runc: '' });
  });

  test('--restart on-failure:2 restarts twice; a stopped always container is not restarted', async () => {
    ok('run', '-d', '--restart', 'on-failure:2', '--name', 'flaky', 'bb', 'sh', '-c', 'echo run; exit 5');
    assert.is(ok('wait', 'flaky'), '5\n');
    assert.is(inspect('flaky', '{{.RestartCount}} {{.State.Status}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}'), '2 exited on-failure 2');
    assert.is(ok('logs', 'flaky'), 'run\nrun\nrun\n');
    ok('run', '-d', '--restart', 'always', '--name', 'loop', 'bb', 'sh', '-c', 'echo again; sleep 0.2');
    await until('a restart', () => (Number(inspect('loop', '{{.RestartCount}}')) >= 1 ? true : undefined));
    ok('stop', '-t', '1', 'loop');
    const after = inspect('loop', '{{.RestartCount}} {{.State.Status}}');
    assert.is(after.split(' ')[1], 'exited');
    await sleep(500);
    assert.is(inspect('loop', '{{.RestartCount}} {{.State.Status}}'), after, 'no restart after a stop');
    ok('rm', 'flaky', 'loop');
  });

  test('names are unique and reusable after rm; ids by any unique prefix; unknown refs are named', () => {
    const id = ok('run', '-d', '--name', 'named', 'bb', 'sleep', '300').trim();
    const again = kiln('run', '-d', '--name', 'named', 'bb', 'true');
    assert.is(again.code, 1);
    assert.match(again.stderr, /container name "named" is already in use by container [0-9a-f]{64}/);
    assert.is(inspect(id.slice(0, 5), '{{.Name}}'), '/named');
    assert.is(inspect(id.slice(0, 12), '{{.Id}}'), id);
    const running = kiln('rm', 'named');
    assert.is(running.code, 1);
    assert.match(running.stderr, /cannot remove container named: it is running; stop it first, or use -f/);
    ok('rm', '-f', id.slice(0, 7));
    const reused = ok('run', '-d', '--name', 'named', 'bb', 'true').trim();
    assert.is.not(reused, id);
    assert.is(ok('wait', 'named'), '0\n');
    ok('rename', 'named', 'renamed');
    assert.is(inspect(reused, '{{.Name}}'), '/renamed');
    ok('run', '-d', '--name', 'named', 'bb', 'true');
    // Hostile: the supervisor's id is a directory name under the root, never a path.
    const hostile = kiln('container', 'supervise', `../../../${'0'.repeat(64)}`);
    assert.equal([hostile.code, hostile.stderr], [1, `error: invalid container id "../../../${'0'.repeat(64)}": expected 64 hex digits\n`]);
    assert.is(kiln('rm', '../names').code, 1);
    const unknown = kiln('logs', 'no-such-container');
    assert.equal([unknown.code, unknown.stderr], [1, 'error: no such container: no-such-container\n']);
    ok('rm', 'named', 'renamed');
  });

  test('ps: running only unless -a, -q, filters, --format; start, restart, kill -s, start -a', () => {
    ok('run', '-d', '--name', 'up', 'bb', 'sh', '-c', 'trap "echo got-hup" HUP; while true; do sleep 0.1; done');
    ok('run', '-d', '--name', 'done', 'bb', 'sh', '-c', 'exit 3');
    assert.is(ok('wait', 'done'), '3\n');
    assert.equal(ok('ps', '--format', '{{.Names}}').split('\n').filter(Boolean), ['up']);
    assert.equal(ok('ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}} {{.Status}}').trim().split(' ').slice(0, 3), ['done', 'Exited', '(3)']);
    assert.equal(ok('ps', '-a', '--filter', 'name=do', '-q').trim().length, 12);
    assert.equal(ok('ps', '-a', '--filter', 'ancestor=bb', '--format', '{{.Names}}').split('\n').filter(Boolean).sort(), ['done', 'up']);
    assert.match(ok('ps'), /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n[0-9a-f]{12}\s+bb\s+"sh -c trap/);
    const bad = kiln('ps', '--filter', 'colour=red');
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /invalid filter "colour=red"/);
    ok('kill', '-s', 'HUP', 'up');
    assert.is(ok('ps', '--format', '{{.Names}}').trim(), 'up', 'SIGHUP does not stop it');
    ok('kill', 'up');
    assert.is(inspect('up', '{{.State.ExitCode}}'), '137');
    ok('start', 'up');
    assert.is(inspect('up', '{{.State.Status}}'), 'running');
    ok('restart', '-t', '0', 'up');
    assert.is(inspect('up', '{{.State.Status}}'), 'running');
    const attached = kiln('start', '-a', 'done');
    assert.is(attached.code, 3);
    ok('rm', '-f', 'up', 'done');
  });

  test('logs: --tail, -t, --since, -f until the container stops; rotation by --log-opt', async () => {
    ok('run', '-d', '--name', 'talker', 'bb', 'sh', '-c', 'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done');
    assert.is(ok('wait', 'talker'), '0\n');
    const all = fx.kiln(['logs', 'talker']);
    assert.equal([all.stdout, all.stderr], ['out1\nout2\nout3\nout4\nout5\n', 'err1\nerr2\nerr3\nerr4\nerr5\n']);
    // The two streams are two pipes, whose order relative to each other is not kept (nor by docker): tail one stream.
    ok('run', '-d', '--name', 'counter', 'bb', 'sh', '-c', 'for i in 1 2 3 4 5; do echo out$i; done');
    assert.is(ok('wait', 'counter'), '0\n');
    assert.is(ok('logs', '--tail', '2', 'counter'), 'out4\nout5\n');
    assert.is(ok('logs', '--tail', '0', 'counter'), '');
    assert.match(ok('logs', '-t', '--tail', '1', 'counter'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z out5\n$/);
    assert.is(ok('logs', '--since', '2099-01-01T00:00:00Z', 'talker'), '');
    assert.is(ok('logs', '--since', '1h', 'talker'), 'out1\nout2\nout3\nout4\nout5\n');
    ok('run', '-d', '--name', 'slow', 'bb', 'sh', '-c', 'echo first; sleep 1; echo second');
    const follow = await fx.kilnAsync(['logs', '-f', 'slow']);
    assert.is(follow.stdout, 'first\nsecond\n', 'follows until the container stops');
    const id = ok('run', '-d', '--log-opt', 'max-size=1k', '--log-opt', 'max-file=2', '--name', 'rotator', 'bb', 'sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done').trim();
    assert.is(ok('wait', 'rotator'), '0\n');
    const files = (await readdir(join(root, 'containers', id))).filter((f) => f.includes('-json.log')).sort();
    assert.equal(files, [`${id}-json.log`, `${id}-json.log.1`]);
    const lines = ok('logs', 'rotator').split('\n').filter(Boolean);
    assert.ok(lines.length > 0 && lines.length < 200, `rotated away the oldest lines (${lines.length} kept)`);
    assert.is(lines[lines.length - 1], 'line-199');
    for (const f of files) assert.ok((await readFile(join(root, 'containers', id, f))).length <= 1024);
    ok('rm', 'talker', 'counter', 'slow', 'rotator');
  });

  test('run -d of a missing command fails like docker run; container prune removes what is not running', () => {
    const r = kiln('run', '-d', '--name', 'broken', 'bb', 'nope');
    assert.is(r.code, 127);
    assert.match(r.stderr, /exec: "nope": executable file not found in \$PATH/);
    assert.is(states().broken, 'created');
    ok('run', '-d', '--name', 'keeper', 'bb', 'sleep', '300');
    const pruned = ok('container', 'prune', '-f');
    assert.match(pruned, /^Deleted Containers:\n([0-9a-f]{64}\n)+\nTotal reclaimed space: /);
    assert.equal(states(), { keeper: 'running' });
    ok('rm', '-f', 'keeper');
    assert.equal(leftovers(), { mounts: '', runc: '' });
  });

  test.run();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text)).on('error', reject);
    }).on('error', reject);
  });
}
