/** Helpers shared by this folder's tests (not part of the public surface). */
import * as assert from 'uvu/assert';
import { DockerfileSyntaxError, parse } from '../index.js';
import { parseInstruction, parseStages, type Command, type Stages } from './index.js';

/** Parses a Dockerfile into stages (filename `Dockerfile`). */
export function stagesOf(text: string): Stages {
  return parseStages(parse(text, { filename: 'Dockerfile' }));
}

/** The typed command of a one-instruction Dockerfile, checked to be of `kind`. */
export function commandOf<K extends Command['kind']>(kind: K, text: string): Extract<Command, { kind: K }> {
  const df = parse(text, { filename: 'Dockerfile' });
  const inst = df.instructions[0];
  if (inst === undefined) throw new Error('no instruction');
  const cmd = parseInstruction(inst, df.filename);
  assert.is(cmd.kind, kind);
  return cmd as Extract<Command, { kind: K }>;
}

/**
 * `line:column detail` of the error `parseStages` raises for `text`, or
 * `no error`. Fails the test when the error is not a DockerfileSyntaxError.
 */
export function failure(text: string): string {
  try {
    stagesOf(text);
  } catch (err) {
    if (!(err instanceof DockerfileSyntaxError)) throw err;
    assert.is(err.filename, 'Dockerfile');
    return `${err.range.start.line}:${err.range.start.column} ${err.detail}`;
  }
  return 'no error';
}

/** `failure` for one instruction inside a stage: `FROM a` is line 1, `text` starts on line 2. */
export function failureIn(text: string): string {
  return failure(`FROM a\n${text}`);
}
