/** How `kiln ps` shows a container: docker's columns, status words and filters. */
import type { Container, PortBinding } from '../containers/index.js';
import { InvalidArgumentError } from '../util/errors.js';
import { humanAge } from './format.js';

/** One `kiln ps` row, with docker's field names (for `--format`). */
export interface PsRow {
  readonly ID: string;
  readonly Image: string;
  readonly Command: string;
  readonly CreatedAt: string;
  readonly RunningFor: string;
  readonly Ports: string;
  readonly State: string;
  readonly Status: string;
  readonly Names: string;
  readonly Labels: string;
  readonly Networks: string;
}

/** Column headers of `--format 'table …'`, by field. */
export const PS_HEADERS: Readonly<Record<string, string>> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Names: 'NAMES',
  Labels: 'LABELS',
  Networks: 'NETWORKS',
};

export const PS_DEFAULT_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** docker's PORTS column: `127.0.0.1:18080->8080/tcp, [::1]:9000->90/udp`. */
export function portsText(ports: readonly PortBinding[]): string {
  return ports.map((p) => `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`).join(', ');
}

export function psRow(c: Container, noTrunc: boolean, now = Date.now(), ports: readonly PortBinding[] = []): PsRow {
  const { record: r, state: s } = c;
  const command = r.process.args.join(' ');
  return {
    ID: noTrunc ? r.id : r.id.slice(0, 12),
    Image: r.image.ref,
    Command: JSON.stringify(noTrunc ? command : ellipsis(command, 20)),
    CreatedAt: goTime(r.created),
    RunningFor: humanAge(r.created, now),
    Ports: portsText(ports),
    State: s.status,
    Status: statusText(c, now),
    Names: r.name,
    Labels: Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(','),
    Networks: r.network.mode,
  };
}

/** docker's STATUS column: `Up 5 minutes`, `Exited (0) 3 seconds ago`, `Created`, `Restarting (1) …`, `Dead`. */
export function statusText(c: Container, now = Date.now()): string {
  const s = c.state;
  switch (s.status) {
    case 'created':
      return 'Created';
    case 'running':
      return `Up ${humanDuration(now - Date.parse(s.startedAt))}`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${humanDuration(now - Date.parse(s.finishedAt))} ago`;
    case 'exited':
      return `Exited (${s.exitCode}) ${humanDuration(now - Date.parse(s.finishedAt))} ago`;
    case 'dead':
      return 'Dead';
    default: {
      const never: never = s.status;
      return never;
    }
  }
}

/** Go's go-units HumanDuration, which docker's status column uses. */
export function humanDuration(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** `--filter status=…|name=…|ancestor=…`: values of one key are alternatives, keys must all match. */
export function psFilter(filters: readonly string[], imageIdOf: (ref: string) => string | undefined): (c: Container) => boolean {
  const by = new Map<string, string[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    if (eq < 0 || !['status', 'name', 'ancestor', 'id', 'label'].includes(key)) {
      throw new InvalidArgumentError(`invalid filter ${JSON.stringify(f)}: expected status=, name=, ancestor=, id= or label=`);
    }
    const value = f.slice(eq + 1);
    if (key === 'status' && !['created', 'running', 'restarting', 'exited', 'dead', 'paused', 'removing'].includes(value)) {
      throw new InvalidArgumentError(`invalid filter status=${value}: expected created, running, restarting, exited, paused, removing or dead`);
    }
    by.set(key, [...(by.get(key) ?? []), value]);
  }
  const matches: Record<string, (c: Container, v: string) => boolean> = {
    status: (c, v) => c.state.status === v,
    // docker matches names by regular expression (a substring, usually).
    name: (c, v) => new RegExp(v).test(c.record.name),
    id: (c, v) => c.record.id.startsWith(v),
    ancestor: (c, v) => c.record.image.ref === v || c.record.image.id === imageIdOf(v) || c.record.image.id.replace(/^sha256:/, '').startsWith(v.replace(/^sha256:/, '')),
    label: (c, v) => {
      const eq = v.indexOf('=');
      return eq < 0 ? v in c.record.labels : c.record.labels[v.slice(0, eq)] === v.slice(eq + 1);
    },
  };
  return (c) => [...by].every(([key, values]) => values.some((v) => matches[key]?.(c, v) === true));
}

function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

/** Go's time.Time String(): `2026-12-05 06:34:11 +0000 UTC`. */
function goTime(iso: string): string {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}
