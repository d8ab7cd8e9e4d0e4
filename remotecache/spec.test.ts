// --cache-from / --cache-to parsing: what buildx accepts, and clear errors for the rest.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../util/errors.js';
import { formatCacheSpec, parseCacheFrom, parseCacheTo } from './spec.js';

const t = suite('cache specs');

function fails(fn: () => unknown, text: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, text);
    return;
  }
  assert.unreachable(`expected an InvalidArgumentError matching ${text}`);
}

t('type=local src and dest, mode defaults to min', () => {
  assert.equal(parseCacheFrom('type=local,src=/c'), { type: 'local', src: '/c' });
  assert.equal(parseCacheTo('type=local,dest=/c'), { type: 'local', dest: '/c', mode: 'min' });
  assert.equal(parseCacheTo('type=local, dest=/c ,mode=max'), { type: 'local', dest: '/c', mode: 'max' });
});

t('type=registry, and a bare --cache-from value is a registry ref (as buildx)', () => {
  assert.equal(parseCacheFrom('type=registry,ref=localhost:5000/app:cache'), { type: 'registry', ref: 'localhost:5000/app:cache' });
  assert.equal(parseCacheFrom('localhost:5000/app:cache'), { type: 'registry', ref: 'localhost:5000/app:cache' });
  assert.equal(parseCacheTo('type=registry,ref=r/app:c,mode=max'), { type: 'registry', ref: 'r/app:c', mode: 'max' });
});

t('missing or unknown fields name the problem', () => {
  fails(() => parseCacheTo('type=local'), /--cache-to type=local needs dest=DIR/);
  fails(() => parseCacheFrom('type=local'), /--cache-from type=local needs src=DIR/);
  fails(() => parseCacheTo('type=registry,mode=max'), /needs ref=REF/);
  fails(() => parseCacheTo('dest=/c'), /missing type=/);
  fails(() => parseCacheTo('type=s3,dest=/c'), /type must be local or registry, got "s3"/);
  fails(() => parseCacheTo('type=local,dest=/c,mode=all'), /mode "all": expected min or max/);
  fails(() => parseCacheFrom('type=local,sr=/c'), /unknown key "sr" for type=local: did you mean src\?/);
  fails(() => parseCacheFrom('type=local,dest=/c'), /unknown key "dest" for type=local: expected one of type, src/);
  fails(() => parseCacheFrom('type=local,src=/c,mode=max'), /unknown key "mode"/);
  fails(() => parseCacheTo('type=local,dest=/a,dest=/b'), /dest given twice/);
  fails(() => parseCacheTo('type=local,/c'), /expected key=value pairs/);
  fails(() => parseCacheFrom(''), /invalid --cache-from ""/);
});

t('formatCacheSpec round-trips', () => {
  for (const s of ['type=local,src=/c', 'type=registry,ref=r/a:c']) assert.is(formatCacheSpec(parseCacheFrom(s)), s);
  for (const s of ['type=local,dest=/c,mode=max', 'type=registry,ref=r/a:c,mode=min']) assert.is(formatCacheSpec(parseCacheTo(s)), s);
});

t.run();
