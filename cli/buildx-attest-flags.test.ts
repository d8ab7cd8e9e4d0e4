import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkBuildxFlags, type BuildxFlags } from './buildx-flags.js';
import { InvalidArgumentError, NotImplementedError } from '../util/errors.js';

const none: BuildxFlags = { attest: [], allow: [], annotation: [], addHost: [], ulimit: [], cacheFilter: [], buildContext: [], ssh: [] };
const attest = (f: Partial<BuildxFlags>) => checkBuildxFlags({ ...none, ...f }, () => {});

test('--provenance and --sbom as buildx reads them: true is mode=min, a later flag wins, disabled turns off', () => {
  assert.equal(attest({}), {});
  assert.equal(attest({ provenance: 'true' }), { provenance: { mode: 'min' } });
  assert.equal(attest({ provenance: 'mode=max' }), { provenance: { mode: 'max' } });
  assert.equal(attest({ provenance: 'mode=full,builder-id=https://ci/1,reproducible=true' }), { provenance: { mode: 'max', builderId: 'https://ci/1', reproducible: true } });
  assert.equal(attest({ sbom: 'true' }), { sbom: true });
  assert.equal(attest({ sbom: 'false', provenance: 'false' }), {});
  assert.equal(attest({ attest: ['type=provenance,mode=max', 'type=sbom'] }), { provenance: { mode: 'max' }, sbom: true });
  assert.equal(attest({ attest: ['type=provenance,mode=max'], provenance: 'false' }), {}, '--provenance=false after --attest turns it off');
  assert.equal(attest({ attest: ['type=sbom,disabled=true'] }), {});
});

test('what kiln cannot do is refused by name', () => {
  assert.throws(() => attest({ provenance: 'mode=max,version=v1' }), (e: unknown) => e instanceof NotImplementedError && /version=v1/.test(e.message));
  assert.throws(() => attest({ provenance: 'version=v3' }), (e: unknown) => e instanceof InvalidArgumentError && /invalid provenance version "v3"/.test(e.message));
  assert.throws(() => attest({ sbom: 'generator=docker/scout-sbom-indexer' }), (e: unknown) => e instanceof NotImplementedError && /generator=/.test(e.message));
  assert.throws(() => attest({ attest: ['type=sbom,scan-stage=true'] }), (e: unknown) => e instanceof NotImplementedError && /scan-stage=true/.test(e.message));
  assert.throws(() => attest({ provenance: 'maybe' }), (e: unknown) => e instanceof InvalidArgumentError && /invalid --provenance "maybe"/.test(e.message));
});

test.run();
