/**
 * Published ports: `-p [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]` and `-P`
 * (every EXPOSEd port on a random host port), as `docker run` reads them.
 * https://docs.docker.com/reference/cli/docker/container/run/#publish
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../util/errors.js';

export type Protocol = 'tcp' | 'udp';

/** One published port; hostPort 0: a free port is picked at start. */
export interface PortSpec {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

/** A port as published while the container runs (host port known). */
export type PortBinding = PortSpec;

function port(text: string, what: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    if (/^\d+-\d+$/.test(text)) throw new InvalidArgumentError(`-p ${spec}: port ranges are not implemented`);
    throw new InvalidArgumentError(`-p ${spec}: invalid ${what} ${JSON.stringify(text)}: expected 1-65535`);
  }
  return Number(text);
}

/** Parses one `-p` value. */
export function parsePublish(spec: string): PortSpec {
  let rest = spec;
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw new InvalidArgumentError(`-p ${spec}: unknown protocol ${JSON.stringify(p)}: expected tcp or udp`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  let hostIp = '0.0.0.0';
  // [::1]:8080:80 — a bracketed IPv6 address
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (v6 !== null) {
    hostIp = v6[1] ?? '';
    rest = v6[2] ?? '';
    if (isIP(hostIp) !== 6) throw new InvalidArgumentError(`-p ${spec}: invalid host IP ${JSON.stringify(hostIp)}`);
  }
  const parts = rest.split(':');
  if (v6 === null && parts.length === 3) {
    hostIp = parts.shift() ?? '';
    if (isIP(hostIp) === 0) throw new InvalidArgumentError(`-p ${spec}: invalid host IP ${JSON.stringify(hostIp)}`);
  }
  if (parts.length > 2 || parts.length === 0) throw new InvalidArgumentError(`-p ${spec}: expected [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp]`);
  const containerPort = port(parts.at(-1) ?? '', 'container port', spec);
  const hostPart = parts.length === 2 ? (parts[0] ?? '') : '';
  const hostPort = hostPart === '' ? 0 : port(hostPart, 'host port', spec);
  return { hostIp, hostPort, containerPort, protocol };
}

/** `-P`: the image's ExposedPorts (`80/tcp`, `53/udp`) on random host ports. */
export function publishAll(exposed: Readonly<Record<string, unknown>> | undefined): PortSpec[] {
  return Object.keys(exposed ?? {}).map((k) => {
    const [num = '', proto = 'tcp'] = k.split('/');
    return { hostIp: '0.0.0.0', hostPort: 0, containerPort: port(num, 'exposed port', k), protocol: proto === 'udp' ? 'udp' : 'tcp' };
  });
}

/** Gives each random (0) host port a free one on its address. */
export async function allocatePorts(specs: readonly PortSpec[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  for (const s of specs) out.push(s.hostPort !== 0 ? s : { ...s, hostPort: await freePort(s.hostIp, s.protocol) });
  return out;
}

function freePort(ip: string, protocol: Protocol): Promise<number> {
  return new Promise((done, fail) => {
    if (protocol === 'udp') {
      const sock = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
      sock.once('error', fail);
      sock.bind(0, ip, () => {
        const p = sock.address().port;
        sock.close(() => done(p));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, ip, () => {
      const a = srv.address();
      const p = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => done(p));
    });
  });
}

/** pasta's forwarding options for the bindings (`-t 127.0.0.1/18080:8080`); `none` when there are none. */
export function pastaPortArgs(bindings: readonly PortBinding[]): string[] {
  const spec = (b: PortBinding): string => `${b.hostIp === '0.0.0.0' ? '' : `${b.hostIp}/`}${b.hostPort}:${b.containerPort}`;
  const tcp = bindings.filter((b) => b.protocol === 'tcp').map(spec);
  const udp = bindings.filter((b) => b.protocol === 'udp').map(spec);
  return [
    ...(tcp.length === 0 ? ['-t', 'none'] : tcp.flatMap((t) => ['-t', t])),
    ...(udp.length === 0 ? ['-u', 'none'] : udp.flatMap((u) => ['-u', u])),
  ];
}

/** `docker port` lines: `8080/tcp -> 127.0.0.1:18080`. */
export function formatPorts(bindings: readonly PortBinding[]): string[] {
  return bindings.map((b) => `${b.containerPort}/${b.protocol} -> ${b.hostIp.includes(':') ? `[${b.hostIp}]` : b.hostIp}:${b.hostPort}`);
}
