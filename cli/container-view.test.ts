import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Container } from '../containers/index.js';
import { parseLogOptions, parseSignal } from './commands/container-flags.js';
import { parseSince } from './commands/container-io.js';
import { humanDuration, psFilter, psRow, statusText } from './container-view.js';
import { renderRows, renderTemplate } from './go-template.js';

const test = suite('kiln ps and friends: views and flags');
const now = Date.parse('2026-12-05T12:00:00Z');
const container = (status: Container['state']['status'], extra: Partial<Container['state']> = {}): Container => ({
  record: {
    id: 'a'.repeat(64),
    name: 'web',
    created: '2026-12-05T11:00:00Z',
    image: { ref: 'bb', id: `sha256:${'b'.repeat(64)}` },
    snapshot: 'container-x',
    process: { args: ['sh', '-c', 'echo a long command line here'], env: [], cwd: '/' },
    mounts: [],
    network: { mode: 'host', ports: [], extraHosts: [], dns: [], aliases: [] },
    tty: false,
    interactive: false,
    autoRemove: false,
    restart: { name: 'no' },
    log: { maxFile: 1 },
    labels: { tier: 'front' },
    stopSignal: 'SIGTERM',
    stopTimeout: 10,
  },
  state: { status, startedAt: '2026-12-05T11:55:00Z', finishedAt: '2026-12-05T11:59:30Z', exitCode: 3, error: '', restartCount: 0, ...extra },
});

test("docker's status words and durations", () => {
  assert.is(statusText(container('running'), now), 'Up 5 minutes');
  assert.is(statusText(container('exited'), now), 'Exited (3) 30 seconds ago');
  assert.is(statusText(container('created'), now), 'Created');
  assert.is(statusText(container('dead'), now), 'Dead');
  assert.is(statusText(container('restarting'), now), 'Restarting (3) 30 seconds ago');
  assert.equal([0, 1000, 59_000, 61_000, 3_600_000, 3 * 86_400_000].map(humanDuration), ['Less than a second', '1 second', '59 seconds', 'About a minute', 'About an hour', '3 days']);
});

test('rows: short id, quoted and shortened command; filters by status, name, ancestor, label', () => {
  const row = psRow(container('running'), false, now);
  assert.is(row.ID, 'a'.repeat(12));
  assert.is(row.Command, '"sh -c echo a long c…"');
  assert.is(psRow(container('running'), true, now).ID, 'a'.repeat(64));
  assert.is(row.Ports, '');
  const ports = [{ hostIp: '127.0.0.1', hostPort: 18080, containerPort: 8080, protocol: 'tcp' as const }, { hostIp: '::1', hostPort: 9000, containerPort: 90, protocol: 'udp' as const }];
  assert.is(psRow(container('running'), false, now, ports).Ports, '127.0.0.1:18080->8080/tcp, [::1]:9000->90/udp');
  const f = (...filters: string[]): boolean => psFilter(filters, (ref) => (ref === 'bb:latest' ? `sha256:${'b'.repeat(64)}` : undefined))(container('exited'));
  assert.is(f('status=exited'), true);
  assert.is(f('status=running'), false);
  assert.is(f('status=running', 'status=exited'), true, 'one key: any value');
  assert.is(f('status=exited', 'name=nope'), false, 'keys: all');
  assert.is(f('name=we'), true);
  assert.is(f('ancestor=bb'), true);
  assert.is(f('ancestor=bb:latest'), true);
  assert.is(f('ancestor=bbbb'), true, 'an image id prefix');
  assert.is(f('label=tier=front'), true);
  assert.is(f('label=tier'), true);
  assert.throws(() => f('colour=red'), /invalid filter "colour=red"/);
  assert.throws(() => f('status=asleep'), /invalid filter status=asleep/);
});

test('templates: fields, nested fields, json, table', () => {
  const v = { Name: '/web', State: { Status: 'running', Pid: 7 }, Labels: { a: '1' } };
  assert.is(renderTemplate('{{.Name}} {{.State.Status}}\\t{{ .State.Pid }}', v), '/web running\t7');
  assert.is(renderTemplate('{{json .State}}', v), '{"Status":"running","Pid":7}');
  assert.is(renderTemplate('{{.Labels}}', v), 'map[a:1]');
  assert.throws(() => renderTemplate('{{.Nope}}', v), /can't evaluate field Nope/);
  assert.throws(() => renderTemplate('{{range .}}', v), /template action \{\{range \.\}\} is not supported/);
  assert.is(renderRows('table {{.Names}}\\t{{.State}}', [{ Names: 'web', State: 'running' }], { Names: 'NAMES', State: 'STATE' }), 'NAMES   STATE\nweb     running\n');
});

test('flags: log options, signals, --since', () => {
  assert.equal(parseLogOptions(['max-size=10k', 'max-file=3']), { maxSize: 10240, maxFile: 3 });
  assert.equal(parseLogOptions([]), { maxFile: 1 });
  assert.throws(() => parseLogOptions(['max-file=2']), /max-file needs max-size/);
  assert.throws(() => parseLogOptions(['compress=true']), /unknown log option "compress"/);
  assert.is(parseSignal('term'), 'SIGTERM');
  assert.is(parseSignal('SIGHUP'), 'SIGHUP');
  assert.is(parseSignal('9'), 'SIGKILL');
  assert.throws(() => parseSignal('SIGNOPE'), /invalid signal "SIGNOPE"/);
  assert.is(parseSince('10m', now), now - 600_000);
  assert.is(parseSince('1700000000', now), 1_700_000_000_000);
  assert.is(parseSince('2026-12-05T11:00:00Z', now), Date.parse('2026-12-05T11:00:00Z'));
  assert.throws(() => parseSince('yesterday', now), /invalid --since "yesterday"/);
});

test.run();
