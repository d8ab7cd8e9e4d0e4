/**
 * Instructions that only change the image config, with the history text
 * BuildKit records for each (`dispatchEnv`, `dispatchLabel`, ... in
 * `convert.go`). All are empty-layer history entries; ONBUILD records none.
 * See https://docs.docker.com/reference/dockerfile/
 */
import { DockerfileSyntaxError, parsePortSpec, type InstructionCommand } from '../../parser/runtime.js';
import type { StagePlanner } from './context.js';
import { located } from './expand.js';
import { goQuoteList } from '../../util/go-quote.js';
import { goDuration, goList } from './go-format.js';
import type { NodeCommand } from './graph.js';
import { checkSignal } from './signals.js';

type Cmd<K extends InstructionCommand['kind']> = Extract<InstructionCommand, { kind: K }>;

/** ENV: keys and values expanded with the variables before the instruction. */
export function planEnv(p: StagePlanner, c: NodeCommand, cmd: Cmd<'env'>): void {
  const pairs = cmd.pairs.map((kv) => [p.word(kv.key, kv.range), p.word(kv.value, kv.range)] as const);
  for (const [key, value] of pairs) p.state.setEnv(key, value);
  p.config(c, 'env', `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

/** LABEL: like ENV, into `Labels`. */
export function planLabel(p: StagePlanner, c: NodeCommand, cmd: Cmd<'label'>): void {
  const pairs = cmd.pairs.map((kv) => [p.word(kv.key, kv.range), p.word(kv.value, kv.range)] as const);
  const labels = (p.state.container.Labels ??= {});
  for (const [key, value] of pairs) labels[key] = value;
  p.config(c, 'label', `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

/** EXPOSE: each word expanded and split, then read as port specs. */
export function planExpose(p: StagePlanner, c: NodeCommand, cmd: Cmd<'expose'>): void {
  const ports: string[] = [];
  for (const spec of cmd.ports) {
    if (spec.resolved) {
      ports.push(...spec.value.map((x) => `${x.port}/${x.protocol}`));
      continue;
    }
    for (const word of p.words(spec.text, spec.range)) {
      const found = parsePortSpec(word, { filename: p.scope.filename, range: spec.range });
      ports.push(...found.map((x) => `${x.port}/${x.protocol}`));
    }
  }
  const exposed = (p.state.container.ExposedPorts ??= {});
  for (const port of ports) exposed[port] = {};
  p.config(c, 'expose', `EXPOSE ${goList(ports)}`);
}

/** VOLUME: each path expanded; an empty one is refused. */
export function planVolume(p: StagePlanner, c: NodeCommand, cmd: Cmd<'volume'>): void {
  const volumes = cmd.volumes.map((w) => {
    const v = p.word(w.value, w.range);
    if (v === '') throw new DockerfileSyntaxError('VOLUME specified can not be an empty string', p.scope.filename, w.range);
    return v;
  });
  const map = (p.state.container.Volumes ??= {});
  for (const v of volumes) map[v] = {};
  p.config(c, 'volume', `VOLUME ${goList(volumes)}`);
}

/** USER: applies to later RUN, WORKDIR and the config. */
export function planUser(p: StagePlanner, c: NodeCommand, cmd: Cmd<'user'>): void {
  const user = p.word(cmd.user, cmd.range);
  p.state.container.User = user;
  p.config(c, 'user', `USER ${user}`);
}

/** STOPSIGNAL: expanded and checked. */
export function planStopSignal(p: StagePlanner, c: NodeCommand, cmd: Cmd<'stopsignal'>): void {
  const signal = p.word(cmd.signal, cmd.range);
  located(p.scope.filename, cmd.range, () => checkSignal(signal));
  p.state.container.StopSignal = signal;
  p.config(c, 'stopsignal', `STOPSIGNAL ${signal}`);
}

/** HEALTHCHECK: not expanded; history is Go's `%+v` of the config struct. */
export function planHealthcheck(p: StagePlanner, c: NodeCommand, cmd: Cmd<'healthcheck'>): void {
  const h = cmd.health.type === 'none'
    ? { test: ['NONE'], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 }
    : cmd.health;
  p.state.container.Healthcheck = {
    Test: [...h.test],
    ...(h.interval !== 0 ? { Interval: h.interval } : {}),
    ...(h.timeout !== 0 ? { Timeout: h.timeout } : {}),
    ...(h.startPeriod !== 0 ? { StartPeriod: h.startPeriod } : {}),
    ...(h.startInterval !== 0 ? { StartInterval: h.startInterval } : {}),
    ...(h.retries !== 0 ? { Retries: h.retries } : {}),
  };
  const text = `{Test:${goList(h.test)} Interval:${goDuration(h.interval)} Timeout:${goDuration(h.timeout)} ` +
    `StartPeriod:${goDuration(h.startPeriod)} StartInterval:${goDuration(h.startInterval)} Retries:${h.retries}}`;
  p.config(c, 'healthcheck', `HEALTHCHECK ${text}`);
}

/** MAINTAINER: the image author; not expanded. */
export function planMaintainer(p: StagePlanner, c: NodeCommand, cmd: Cmd<'maintainer'>): void {
  p.state.config.author = cmd.maintainer;
  p.config(c, 'maintainer', `MAINTAINER ${cmd.maintainer}`);
}

/** SHELL: used by later shell forms. */
export function planShell(p: StagePlanner, c: NodeCommand, cmd: Cmd<'shell'>): void {
  p.state.container.Shell = [...cmd.shell];
  p.config(c, 'shell', `SHELL ${goList(cmd.shell)}`);
}

/** A shell-form command line wrapped in SHELL (default `/bin/sh -c`), BuildKit's `withShell`. */
export function withShell(p: StagePlanner, script: string): string[] {
  const shell = p.state.container.Shell;
  return [...(shell !== undefined && shell.length > 0 ? shell : ['/bin/sh', '-c']), script];
}

function commandArgs(p: StagePlanner, line: Cmd<'cmd'>['command']): string[] {
  return line.form === 'exec' ? [...line.args] : withShell(p, line.script);
}

/** CMD: sets `Cmd` (and `ArgsEscaped`, as BuildKit does). */
export function planCmd(p: StagePlanner, c: NodeCommand, cmd: Cmd<'cmd'>): void {
  const args = commandArgs(p, cmd.command);
  const container = p.state.container;
  if (args.length > 0) container.Cmd = args;
  else delete container.Cmd;
  container.ArgsEscaped = true;
  p.state.cmdSet = true;
  p.config(c, 'cmd', `CMD ${goQuoteList(args)}`);
}

/** ENTRYPOINT: sets `Entrypoint`; resets a CMD not set earlier in this stage. */
export function planEntrypoint(p: StagePlanner, c: NodeCommand, cmd: Cmd<'entrypoint'>): void {
  const args = commandArgs(p, cmd.command);
  const container = p.state.container;
  if (args.length > 0) container.Entrypoint = args;
  else delete container.Entrypoint;
  if (!p.state.cmdSet) delete container.Cmd;
  p.config(c, 'entrypoint', `ENTRYPOINT ${goQuoteList(args)}`);
}

/** ONBUILD: the trigger is stored for images built on this one; BuildKit records no history. */
export function planOnbuild(p: StagePlanner, c: NodeCommand, cmd: Cmd<'onbuild'>): void {
  const container = p.state.container;
  container.OnBuild = [...(container.OnBuild ?? []), cmd.expression];
  p.config(c, 'onbuild', null);
}
