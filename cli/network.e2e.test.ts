// kiln run's networks and limits as a user meets them (bin/kiln, real runc and pasta):
// published ports fetched from the host, containers on a user-defined network
// fetching from each other by name, the /etc files, OOM kills, pids limits,
// --read-only, and nothing left behind (pasta, namespaces, cgroups), also after kill -9.
import { get } from 'node:http';
import { createServer } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBusyboxTarball } from '../util/test-busybox.js';
import { e2eReady } from '../util/test-e2e.js';
import { kilnFixture, type KilnProcess } from '../util/test-kiln.js';

if (e2eReady('kiln network e2e', ['runc', 'tar', 'pasta', 'nsenter', 'ip', 'tini-static'])) {
  const test = suite('kiln run networks and limits e2e');
  const fx = kilnFixture('net');
  const { tmp, root } = fx;
  const HTTPD = ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www'];

  test.before(async () => {
    await makeBusyboxTarball(tmp, join(tmp, 'busybox.tar'));
    fx.ok(['import', join(tmp, 'busybox.tar'), 'bb:test']);
  });
  test.after(async () => {
    fx.kiln(['network', 'rm', 'testnet']);
    await fx.cleanup();
  });

  /** A server in an attached `kiln run` (--init: tini passes kiln's SIGTERM on to httpd). */
  async function serve(args: string[]): Promise<KilnProcess> {
    const p = fx.start(['run', '--rm', '--init', ...args]);
    await waitFor(async () => (await containersRunning()) >= 1, () => p.output());
    return p;
  }

  async function stop(p: KilnProcess): Promise<void> {
    p.child.kill('SIGTERM');
    await p.done;
  }

  async function containersRunning(): Promise<number> {
    return (await readdir(join(root, 'network', 'containers')).catch(() => [])).length;
  }

  /** What networks, pasta processes and namespaces of this root are left. */
  async function leftovers(): Promise<{ dirs: string[]; pasta: number; mounts: string[] }> {
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').filter((l) => l.includes(join(root, 'network', 'containers')));
    let pasta = 0;
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.startsWith('pasta') && cmd.includes(root)) pasta++;
    }
    return { dirs: await readdir(join(root, 'network', 'containers')).catch(() => []), pasta, mounts };
  }

  test('-p 127.0.0.1:PORT:8080: httpd in the container answers on the host; kiln port shows it; all is removed after', async () => {
    const port = await freePort();
    const p = await serve(['--name', 'web1', '-p', `127.0.0.1:${port}:8080`, 'bb:test', ...HTTPD]);
    try {
      const body = await waitFor(() => fetch(`http://127.0.0.1:${port}/`), () => p.output());
      assert.is(body.trim().length, 12, body); // the container's hostname: its short id
      assert.is(fx.ok(['port', 'web1']).stdout, `8080/tcp -> 127.0.0.1:${port}\n`);
      assert.is(fx.ok(['ps', '--filter', 'name=web1', '--format', '{{.Ports}}']).stdout, `127.0.0.1:${port}->8080/tcp\n`);
      assert.match(fx.ok(['ps']).stdout, new RegExp(`^CONTAINER ID .* PORTS +NAMES\\n.*127\\.0\\.0\\.1:${port}->8080/tcp +web1$`, 'm'));
    } finally {
      await stop(p);
    }
    assert.equal(await leftovers(), { dirs: [], pasta: 0, mounts: [] });
  });

  test('-p 8080 alone: a random host port, shown by kiln port', async () => {
    const p = await serve(['--name', 'web2', '-p', '127.0.0.1::8080', 'bb:test', ...HTTPD]);
    try {
      const hostPort = await waitFor(async () => fx.ok(['port', 'web2', '8080']).stdout.trim().split(':')[1] ?? '', () => p.output());
      assert.match(hostPort, /^\d+$/);
      assert.is((await waitFor(() => fetch(`http://127.0.0.1:${hostPort}/`), () => p.output())).trim().length, 12);
    } finally {
      await stop(p);
    }
  });

  test('the default network is private: its own interfaces, not the host\'s; --hostname, --add-host, --dns', () => {
    const r = fx.ok(['run', '--rm', '--hostname', 'box1', '--add-host', 'db.local:10.1.2.3', '--dns', '10.9.9.9', 'bb:test', 'sh', '-c', 'hostname; grep -c . /proc/net/dev; cat /etc/hosts; cat /etc/resolv.conf']);
    const [hostname, devLines, ...rest] = r.stdout.split('\n');
    assert.is(hostname, 'box1');
    assert.is(Number(devLines), 4); // two header lines, lo and pasta's tap
    const text = rest.join('\n');
    assert.match(text, /\tbox1\n/);
    assert.match(text, /^10\.1\.2\.3\tdb\.local$/m);
    assert.match(text, /^nameserver 10\.9\.9\.9$/m);
    assert.not.match(text, /^nameserver (?!10\.9\.9\.9)/m);
    assert.is(fx.ok(['run', '--rm', '--network', 'none', 'bb:test', 'sh', '-c', 'grep -c . /proc/net/dev']).stdout, '3\n');
  });

  test('two containers on a user-defined network reach each other by name and alias; kiln network ls/inspect', async () => {
    assert.match(fx.ok(['network', 'create', 'testnet']).stdout, /^[0-9a-f]{64}\n$/);
    assert.match(fx.ok(['network', 'ls']).stdout, /testnet\s+bridge\s+10\.89\.0\.0\/24/);
    const p = await serve(['--name', 'srv', '--network', 'testnet', '--network-alias', 'api', 'bb:test', ...HTTPD]);
    try {
      await waitFor(async () => JSON.stringify(JSON.parse(fx.ok(['network', 'inspect', 'testnet']).stdout)[0].Containers).includes('srv') || undefined, () => p.output());
      const r = fx.ok(['run', '--rm', '--name', 'cli1', '--network', 'testnet', 'bb:test', 'sh', '-c', 'wget -q -O - http://srv:8080/; wget -q -O - http://api:8080/; grep -w srv /etc/hosts']);
      const [a, b, hosts] = r.stdout.split('\n');
      assert.is(a, b);
      assert.is(a?.length, 12);
      assert.match(hosts ?? '', /^10\.89\.0\.\d+\tsrv api /);
      // A running container on the default network joins testnet and is found by name from then on.
      const other = await serve(['--name', 'other', 'bb:test', ...HTTPD]);
      try {
        await waitFor(async () => (await containersRunning()) >= 2 || undefined, () => other.output());
        fx.ok(['network', 'connect', 'testnet', 'other']);
        const viaConnect = fx.ok(['run', '--rm', '--network', 'testnet', 'bb:test', 'wget', '-q', '-O', '-', 'http://other:8080/']);
        assert.is(viaConnect.stdout.trim().length, 12);
        fx.ok(['network', 'disconnect', 'testnet', 'other']);
        assert.is.not(fx.kiln(['run', '--rm', '--network', 'testnet', 'bb:test', 'wget', '-q', '-T', '2', '-O', '-', 'http://other:8080/']).code, 0);
      } finally {
        await stop(other);
      }
      const removing = fx.kiln(['network', 'rm', 'testnet']);
      assert.is(removing.code, 1);
      assert.match(removing.stderr, /network testnet has active endpoints: srv/);
    } finally {
      await stop(p);
    }
    assert.is(fx.ok(['network', 'rm', 'testnet']).stdout, 'testnet\n');
    const gone = fx.kiln(['run', '--rm', '--network', 'testnet', 'bb:test', 'true']);
    assert.is.not(gone.code, 0);
    assert.match(gone.stderr, /network testnet not found/);
  });

  test('--memory 32m: allocating 64 MiB ends OOM-killed (137, OOMKilled in the state); 8 MiB does not', async () => {
    const r = fx.kiln(['run', '--name', 'oom1', '--memory', '32m', 'bb:test', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    assert.is(r.code, 137, r.stderr);
    assert.is((await stateOf('oom1')).oomKilled, true);
    assert.is(fx.kiln(['run', '--rm', '--memory', '32m', 'bb:test', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=8M', 'count=1']).code, 0);
  });

  test('--pids-limit 20 stops a fork loop', () => {
    const loop = 'i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo forked $i';
    const r = fx.kiln(['run', '--rm', '--pids-limit', '20', 'bb:test', 'sh', '-c', loop]);
    assert.is.not(r.code, 0);
    assert.match(r.stderr, /can't fork|Resource temporarily unavailable/);
    assert.not.match(r.stdout, /forked 40/);
  });

  test('--read-only refuses writes outside --tmpfs; --cap-drop, --group-add, --label', () => {
    const r = fx.kiln(['run', '--rm', '--read-only', '--tmpfs', '/scratch', '--cap-drop', 'chown', '--group-add', '123', 'bb:test', 'sh', '-c', 'touch /x 2>&1; echo ok > /scratch/y && cat /scratch/y; grep CapEff /proc/self/status; id -G']);
    assert.is(r.code, 0, r.stderr);
    const [touch, ok, capEff, groups] = r.stdout.trim().split('\n');
    assert.match(touch ?? '', /Read-only file system/);
    assert.is(ok, 'ok');
    assert.is(capEff, 'CapEff:\t00000000a80425fa'); // Docker's default set minus CAP_CHOWN (bit 0)
    assert.match(groups ?? '', /\b123\b/);
    const bad = fx.kiln(['run', '--rm', '--cap-add', 'bogus', 'bb:test', 'true']);
    assert.is(bad.code, 125, 'a bad kiln run flag value, as docker run');
    assert.match(bad.stderr, /--cap-add: unknown capability "bogus"/);
  });

  test('bad flags name what is wrong', () => {
    for (const [args, msg] of [
      [['-p', '70000'], /invalid container port "70000"/],
      [['-p', '1.2.3:80:80'], /invalid host IP "1\.2\.3"/],
      [['--add-host', 'nohost'], /--add-host "nohost": expected NAME:IP/],
      [['--memory', 'lots'], /--memory "lots": expected a size/],
      [['--network', 'nosuchnet'], /network nosuchnet not found/],
      [['--network', 'host', '-p', '80'], /published ports \(-p\) need a private network/],
    ] as const) {
      const r = fx.kiln(['run', '--rm', ...args, 'bb:test', 'true']);
      assert.ok(r.code === 1 || r.code === 125, `${args.join(' ')}: ${r.code} ${r.stderr}`);
      assert.match(r.stderr, msg);
      assert.not.match(r.stderr, /\n\s+at /);
    }
  });

  test('kill -9 of kiln with a published container: the next kiln command removes its pasta and namespace', async () => {
    const port = await freePort();
    const p = await serve(['-p', `127.0.0.1:${port}:8080`, 'bb:test', ...HTTPD]);
    await waitFor(() => fetch(`http://127.0.0.1:${port}/`), () => p.output());
    assert.is((await leftovers()).pasta, 1);
    p.child.kill('SIGKILL');
    await p.done;
    fx.ok(['images']);
    assert.equal(await leftovers(), { dirs: [], pasta: 0, mounts: [] });
  });

  async function stateOf(name: string): Promise<{ oomKilled?: boolean }> {
    for (const id of await readdir(join(root, 'containers'))) {
      const cfg = await readFile(join(root, 'containers', id, 'config.json'), 'utf8').catch(() => '');
      if (cfg.includes(`"name":"${name}"`)) return JSON.parse(await readFile(join(root, 'containers', id, 'state.json'), 'utf8')) as { oomKilled?: boolean };
    }
    throw new Error(`no container ${name}`);
  }

  test.run();
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function fetch(url: string): Promise<string> {
  return new Promise((done, fail) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => (res.statusCode === 200 ? done(body) : fail(new Error(`${url}: ${res.statusCode}`))));
    }).on('error', fail);
  });
}

/** Retries `fn` until it returns something truthy (20 s at most). */
async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, context: () => string): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== '') return v;
    } catch (err) {
      if (Date.now() > until) throw new Error(`${String(err)}\n${context()}`);
    }
    if (Date.now() > until) throw new Error(`timed out\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
