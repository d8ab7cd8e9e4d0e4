/**
 * `EXPOSE port[/proto]...`, with ports read like BuildKit's `convert_expose.go`:
 * `80`, `80/udp`, ranges `8000-8002/tcp`, and (tolerated, ignored) host parts
 * `[ip:]hostPort:containerPort`.
 * See https://docs.docker.com/reference/dockerfile/#expose
 */
import { isIP } from 'node:net';
import { at, fail, internal, isLiteral, SpecError, type Ctx } from './ctx.js';
import { parseFlags } from './flags.js';
import type { ExposeCommand, ExposedPort, Resolvable } from './types.js';

/** `EXPOSE`; words that need expansion are checked later by the frontend. */
export function parseExpose(ctx: Ctx): ExposeCommand {
  const args = ctx.inst.args;
  if (args.form !== 'words') return internal(ctx, `${args.form} arguments`);
  if (args.values.length === 0) fail(ctx, 'EXPOSE requires at least one argument');
  parseFlags(ctx, {});
  const sorted = [...args.values].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const ports = sorted.map((w): Resolvable<readonly ExposedPort[]> => {
    const base = { text: w.value, range: w.range };
    if (!isLiteral(w.value)) return { resolved: false, ...base };
    return { resolved: true, value: at(ctx, w.range, () => parsePortSpec(w.value)), ...base };
  });
  return { kind: 'expose', ports, range: ctx.inst.range, source: ctx.inst };
}

/** The ports of one expanded EXPOSE word. Throws {@link SpecError} with BuildKit's message. */
export function parsePortSpec(raw: string): ExposedPort[] {
  const { ip, hostPort, containerPort: withProto } = splitParts(raw);
  const slash = withProto.indexOf('/');
  const containerPort = slash < 0 ? withProto : withProto.slice(0, slash);
  if (containerPort === '') throw new SpecError(`no port specified: ${withProto}<empty>`);
  const protocol = protocolOf(slash < 0 ? '' : withProto.slice(slash + 1));
  checkIp(ip);
  const [start, end] = portRange(containerPort) ?? bad(`invalid containerPort: ${containerPort}`);
  if (hostPort !== '') {
    const [hostStart, hostEnd] = portRange(hostPort) ?? bad(`invalid hostPort: ${hostPort}`);
    if (end - start !== hostEnd - hostStart && end !== start) {
      bad(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
    }
  }
  const ports: ExposedPort[] = [];
  for (let p = start; p <= end; p++) ports.push({ port: p, protocol });
  return ports;
}

function splitParts(raw: string): { ip: string; hostPort: string; containerPort: string } {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return { ip: '', hostPort: '', containerPort: parts[0] ?? '' };
  if (n === 2) return { ip: '', hostPort: parts[0] ?? '', containerPort: parts[1] ?? '' };
  return { ip: parts.slice(0, n - 2).join(':'), hostPort: parts[n - 2] ?? '', containerPort: parts[n - 1] ?? '' };
}

function protocolOf(proto: string): ExposedPort['protocol'] {
  const lower = proto.toLowerCase();
  if (lower === '') return 'tcp';
  if (lower === 'tcp' || lower === 'udp' || lower === 'sctp') return lower;
  return bad(`invalid proto: ${lower}`);
}

function checkIp(ip: string): void {
  if (ip === '') return;
  let addr = ip;
  if (ip.startsWith('[')) {
    const m = /^\[([^\]]*)\]$/.exec(ip);
    if (m === null) bad(`invalid IP address ${ip}: missing ']' in address`);
    addr = m[1] ?? '';
  }
  if (isIP(addr) === 0 || addr.includes('%')) bad(`invalid IP address: ${addr}`);
}

/** `80` or `8000-8002` as [start, end]; `null` when invalid. */
function portRange(text: string): [number, number] | null {
  const parts = text.split('-');
  if (parts.length > 2) return null;
  const nums = parts.map(port);
  const start = nums[0];
  const end = nums.length === 2 ? nums[1] : start;
  if (start === null || start === undefined || end === null || end === undefined || end < start) return null;
  return [start, end];
}

/** Go's `strconv.ParseUint(s, 10, 16)`. */
function port(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  return n <= 0xffff ? n : null;
}

function bad(message: string): never {
  throw new SpecError(message);
}
