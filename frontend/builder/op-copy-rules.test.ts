// COPY/ADD cache keys carry the version of kiln's copy rules: a record made
// before the rules changed (empty wildcards, --parents patterns, --chmod on
// created parents, ADD --chown of archive contents, sockets) must not be
// reused for the same step, since the same files would now be copied otherwise.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, type OpContext } from '../../solver/index.js';
import { sha256 } from '../../util/digest.js';
import type { CopyStep } from '../plan/index.js';
import type { BuildEnv } from './env.js';
import { CopyOp } from './op-copy.js';

const test = suite('COPY cache key rules');

/** A COPY --from=stage step: its key needs no context checksum, so no build environment. */
function step(isAdd: boolean): CopyStep {
  const definition = { op: isAdd ? 'add' : 'copy', sources: ['nomatch*'], dest: '/dst/', chmod: '770' };
  return { kind: 'copy', isAdd, from: { kind: 'stage', index: 0 }, sources: ['nomatch*'], inline: [], definition } as unknown as CopyStep;
}

const ctx = { signal: new AbortController().signal } as unknown as OpContext;

test('the key is not the one records made before the rules version had', async () => {
  for (const isAdd of [false, true]) {
    const s = step(isAdd);
    const { digest } = await new CopyOp({} as BuildEnv, s).cacheMap(ctx);
    const before = sha256(canonicalJson({ op: isAdd ? 'add' : 'copy', def: s.definition, selected: null }));
    assert.is.not(digest, before, isAdd ? 'ADD' : 'COPY');
    assert.is((await new CopyOp({} as BuildEnv, s).cacheMap(ctx)).digest, digest, 'and it is stable');
  }
});

test.run();
