/**
 * `kiln container inspect`: a container in the shape of docker's
 * ContainerInspectResponse (the fields kiln has; the rest are absent).
 * https://docs.docker.com/reference/api/engine/version/v1.45/#tag/Container/operation/ContainerInspect
 */
import { formatRestart } from './restart.js';
import type { Container, RecordMount } from './types.js';

/** Go's zero time, which docker prints for a time that never happened. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** One entry of docker's `Mounts`. */
function mountView(m: RecordMount, volumePath: (name: string) => string): Record<string, unknown> {
  switch (m.type) {
    case 'bind':
      return { Type: 'bind', Source: m.source, Destination: m.destination, Mode: m.readonly ? 'ro' : '', RW: !m.readonly, Propagation: 'rprivate' };
    case 'volume':
      return { Type: 'volume', Name: m.name, Source: volumePath(m.name), Destination: m.destination, Driver: 'local', Mode: m.readonly ? 'ro' : 'z', RW: !m.readonly, Propagation: '' };
    case 'tmpfs':
      return { Type: 'tmpfs', Source: '', Destination: m.destination, Mode: '', RW: !(m.options ?? []).includes('ro'), Propagation: '' };
    default: {
      const never: never = m;
      return never;
    }
  }
}

export function inspectView(c: Container, pid: number, logPath: string, volumePath: (name: string) => string = () => ''): Record<string, unknown> {
  const { record: r, state: s } = c;
  const [path = '', ...args] = r.process.args;
  const restart = formatRestart(r.restart);
  return {
    Id: r.id,
    Created: r.created,
    Path: path,
    Args: args,
    State: {
      Status: s.status,
      Running: s.status === 'running',
      Paused: false,
      Restarting: s.status === 'restarting',
      OOMKilled: false,
      Dead: s.status === 'dead',
      Pid: pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt === '' ? ZERO_TIME : s.startedAt,
      FinishedAt: s.finishedAt === '' ? ZERO_TIME : s.finishedAt,
    },
    Image: r.image.id,
    LogPath: logPath,
    Name: `/${r.name}`,
    RestartCount: s.restartCount,
    HostConfig: {
      Binds: r.mounts.flatMap((m) => (m.type === 'bind' ? [`${m.source}:${m.destination}${m.readonly ? ':ro' : ''}`] : [])),
      LogConfig: { Type: 'json-file', Config: { ...(r.log.maxSize === undefined ? {} : { 'max-size': String(r.log.maxSize) }), 'max-file': String(r.log.maxFile) } },
      NetworkMode: r.network,
      RestartPolicy: { Name: restart.split(':')[0], MaximumRetryCount: r.restart.name === 'on-failure' ? r.restart.maxRetries : 0 },
      AutoRemove: r.autoRemove,
      Runtime: r.runtime ?? 'runc',
      ...(r.limits?.memoryBytes === undefined ? {} : { Memory: r.limits.memoryBytes }),
      ...(r.limits?.pids === undefined ? {} : { PidsLimit: r.limits.pids }),
    },
    Mounts: r.mounts.map((m) => mountView(m, volumePath)),
    Config: {
      Hostname: r.id.slice(0, 12),
      User: r.process.user ?? '',
      Tty: r.tty,
      OpenStdin: r.interactive,
      Env: r.process.env,
      Cmd: args.length > 0 || path !== '' ? r.process.args : null,
      Image: r.image.ref,
      WorkingDir: r.process.cwd,
      Labels: r.labels,
      StopSignal: r.stopSignal,
      StopTimeout: r.stopTimeout,
    },
  };
}
