// The cache image's config: what is written reads back, and damaged configs are refused with a reason.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chainIDs, MediaType } from '../store/index.js';
import { sha256, type Digest } from '../util/digest.js';
import { FailedPreconditionError } from '../util/errors.js';
import { cacheManifest, CACHE_CONFIG_MEDIA_TYPE, decodeCacheConfig, encodeCacheConfig, type CacheConfig } from './format.js';

const t = suite('cache config format');
const d = (s: string): Digest => sha256(s);
const base = [d('base-1'), d('base-2')];
const chain = chainIDs(base).at(-1) as Digest;

const config: CacheConfig = {
  version: 1,
  steps: [
    { parent: { kind: 'base', chainID: chain, diffIDs: base }, layer: { diffID: d('l1'), size: 2048 }, createdAt: 1_700_000_000_123 },
    { parent: { kind: 'step', index: 0 }, layer: null, createdAt: 1_700_000_001_000 },
    { parent: { kind: 'empty' }, layer: { diffID: d('l1'), size: 2048 }, createdAt: 1_700_000_002_000 },
  ],
  records: [
    { key: d('k-from'), results: [{ kind: 'base', chainID: chain, diffIDs: base }], createdAt: 1 },
    { key: d('k-run'), results: [{ kind: 'step', index: 1 }], createdAt: 2 },
    { key: d('k-scratch'), results: [{ kind: 'empty' }], createdAt: 3 },
  ],
};

function refused(text: string, why: RegExp): void {
  try {
    decodeCacheConfig(text, 'test');
  } catch (err) {
    assert.instance(err, FailedPreconditionError);
    assert.match((err as Error).message, why);
    return;
  }
  assert.unreachable(`expected the config to be refused: ${why}`);
}

const edit = (fn: (c: Record<string, unknown>) => void): string => {
  const c = JSON.parse(encodeCacheConfig(config)) as Record<string, unknown>;
  fn(c);
  return JSON.stringify(c);
};

t('encode then decode gives the same config', () => {
  assert.equal(decodeCacheConfig(encodeCacheConfig(config), 'test'), config);
});

t('the manifest is an OCI image manifest with the kiln config type and one layer per distinct step layer', () => {
  const text = encodeCacheConfig(config);
  const m = cacheManifest(config, text);
  assert.is(m.mediaType, MediaType.manifest);
  assert.equal(m.config, { mediaType: CACHE_CONFIG_MEDIA_TYPE, digest: sha256(text), size: Buffer.byteLength(text) });
  assert.equal(m.layers, [{ mediaType: MediaType.layer, digest: d('l1'), size: 2048 }]);
});

t('damaged configs are refused with the reason', () => {
  refused('{', /not JSON/);
  refused('{"version":2,"steps":[],"records":[]}', /expected version 1, got 2/);
  refused(edit((c) => ((c.steps as { parent: unknown }[])[0]!.parent = { kind: 'step', index: 0 })), /step 0 parent: step index 0 out of range/);
  refused(edit((c) => ((c.records as { results: unknown }[])[1]!.results = [{ kind: 'step', index: 9 }])), /record 1 result 0: step index 9 out of range/);
  refused(edit((c) => ((c.records as { key: unknown }[])[0]!.key = 'md5:x')), /record 0: expected a sha256 key/);
  refused(edit((c) => ((c.records as { results: unknown }[])[0]!.results = [{ kind: 'base', chainID: d('other'), diffIDs: base }])), /does not match its diffIDs/);
  refused(edit((c) => ((c.steps as { layer: unknown }[])[0]!.layer = { diffID: d('x'), size: -1 })), /bad layer size -1/);
  refused(edit((c) => ((c.steps as { createdAt: unknown }[])[0]!.createdAt = 'now')), /step 0: bad createdAt "now"/);
  refused(edit((c) => ((c.records as { results: unknown }[])[2]!.results = [{ kind: 'weird' }])), /unknown kind "weird"/);
});

t.run();
