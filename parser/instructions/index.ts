/**
 * Typed Dockerfile commands and build stages, BuildKit's
 * `frontend/dockerfile/instructions` for kiln. Input is the syntax tree from
 * `parse()`; values are not expanded here (the frontend does that per stage),
 * and checks that need expanded values are exposed as `parseMount` and
 * `parsePortSpec` for the frontend to call afterwards.
 *
 * ```ts
 * const { globalArgs, stages } = parseStages(parse(text, { filename }));
 * ```
 */
import type { Range } from '../types.js';
import { at } from './ctx.js';
import { parsePortSpec as portSpec } from './expose.js';
import type { ExposedPort } from './types.js';
import { parseMountSpec, type Mount } from './mount.js';

export { parseInstruction, instructionNames, type InstructionName } from './parse.js';
export { parseStages } from './stages.js';
export type { Mount, MountSharing, MountType } from './mount.js';
export type * from './types.js';

/** Where a value came from, for errors found after expansion. */
export interface ValueSource {
  readonly filename: string;
  readonly range: Range;
}

/**
 * Parses a `--mount` spec once its values can be expanded (a mount whose
 * `resolved` is false). `expand` is applied to each `key=value` value.
 * Throws `DockerfileSyntaxError` at `where.range` with BuildKit's message.
 */
export function parseMount(spec: string, expand: (value: string) => string, where: ValueSource): Mount {
  return at(where, where.range, () => parseMountSpec(spec, expand));
}

/**
 * The ports of one expanded EXPOSE word (`80`, `53/udp`, `8000-8010/tcp`).
 * Throws `DockerfileSyntaxError` at `where.range` with BuildKit's message.
 */
export function parsePortSpec(text: string, where: ValueSource): ExposedPort[] {
  return at(where, where.range, () => portSpec(text));
}
