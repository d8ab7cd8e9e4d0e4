/**
 * `COPY --from` and `RUN --mount from=` targets as the plan states them: an
 * earlier stage by index, or a resolved image reference.
 */
import { DockerfileSyntaxError } from '../../parser/runtime.js';
import type { StagePlanner } from './context.js';
import type { FromTarget, NodeCommand } from './graph.js';
import type { SourceRef } from './types.js';

/**
 * The source a `--from` target names, checked like BuildKit: the stage must
 * come earlier than the one reading it. `verb` words the error (`copy`, `mount`).
 */
export function sourceRef(p: StagePlanner, c: NodeCommand, target: FromTarget, written: string, verb: string): SourceRef {
  const range = c.command.range;
  const filename = p.scope.filename;
  if (target.kind === 'image') {
    const image = p.scope.images.get(target.name);
    if (image === undefined) throw new Error(`internal: image ${target.name} was not resolved`);
    return { kind: 'image', ref: image.ref };
  }
  const here = p.node.index;
  const stage = p.node.stage.name ?? `stage-${here}`;
  if (target.index === here) throw new DockerfileSyntaxError(`circular dependency detected on stage: ${stage}`, filename, range);
  if (target.index > here) {
    throw new DockerfileSyntaxError(`cannot ${verb} from stage "${written}", it needs to be defined before current stage "${stage}"`, filename, range);
  }
  return { kind: 'stage', index: target.index };
}
