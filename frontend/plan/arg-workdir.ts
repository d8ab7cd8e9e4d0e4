/**
 * ARG inside a stage and WORKDIR: the two instructions whose effect depends
 * on scope rules rather than just the config.
 * See https://docs.docker.com/reference/dockerfile/#arg and
 * https://docs.docker.com/reference/dockerfile/#workdir
 */
import type { InstructionCommand } from '../../parser/index.js';
import type { StagePlanner } from './context.js';
import type { NodeCommand } from './graph.js';
import { normalizeWorkdir } from './paths.js';

type Cmd<K extends InstructionCommand['kind']> = Extract<InstructionCommand, { kind: K }>;

/**
 * ARG in a stage (BuildKit's `dispatchArg`): a `--build-arg` wins; else the
 * default, expanded with the stage's variables; `ARG NAME` alone inherits the
 * global scope (global ARGs and the platform ARGs). A value becomes a variable
 * for later instructions and RUN's environment, never the image's `Env`.
 */
export function planArg(p: StagePlanner, c: NodeCommand, cmd: Cmd<'arg'>): void {
  const parts: string[] = [];
  for (const def of cmd.args) {
    const key = def.name;
    p.scope.declared.add(key);
    const given = p.scope.buildArgs.get(key);
    let value: string | null = null;
    if (given !== undefined) value = given;
    else if (def.default !== null) value = p.word(def.default, def.range);
    else value = p.scope.globals.get(key) ?? null;
    if (value !== null) p.state.setVar(key, value);
    p.state.args.push({ key, value });
    parts.push(value === null ? key : `${key}=${value}`);
  }
  p.config(c, 'arg', `ARG ${parts.join(' ')}`);
}

/**
 * WORKDIR: the new directory against the current one. Anything but `/` is
 * created (a layer, owned by USER like BuildKit's `mkdir` with `WithUser`);
 * `/` only changes the config.
 */
export function planWorkdir(p: StagePlanner, c: NodeCommand, cmd: Cmd<'workdir'>): void {
  const wd = normalizeWorkdir(p.state.container.WorkingDir ?? '', p.word(cmd.path, cmd.range));
  p.state.container.WorkingDir = wd;
  const createdBy = `WORKDIR ${wd}`;
  if (wd === '/') {
    p.config(c, 'workdir', createdBy);
    return;
  }
  const name = p.progressName(c, false);
  const owner = p.state.user === '' ? null : p.state.user;
  const historyIndex = p.state.commit(createdBy, true);
  p.push({
    kind: 'workdir', name, path: wd, owner, range: c.command.range, createdBy, historyIndex, onbuild: c.onbuild,
    definition: { op: 'mkdir', path: wd, mode: 0o755, parents: true, owner },
  });
}
