// LocalContentStore: the conformance suite, then what is particular to the
// local store: its on-disk layout, ingest locks across processes, and crashes.
// The crash test is deterministic in its kill delays: the seed is in its name.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../../util/digest.js';
import { FailedPreconditionError } from '../../util/errors.js';
import { LocalContentStore } from './local.js';
import { contentStoreSuite } from './testsuite.js';
import { collect, hashStream, rejects } from './testsuite-helpers.js';

const tempRoot = (): Promise<string> => mkdtemp(join(tmpdir(), 'kiln-content-'));

contentStoreSuite('LocalContentStore', async () => {
  const dir = await tempRoot();
  return { store: new LocalContentStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

const test = suite('LocalContentStore');
const it = (title: string, fn: (dir: string, store: LocalContentStore) => Promise<void>): void =>
  test(title, async () => {
    const dir = await tempRoot();
    try {
      await fn(dir, new LocalContentStore(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

it('lays blobs out as an OCI layout blobs/ folder and ingests as ingest/<ref>/{data,owner}', async (dir, store) => {
  const w = await store.writer({ ref: 'layout' });
  await w.write(Buffer.from('layout!'));
  assert.equal((await readdir(join(dir, 'ingest', 'layout'))).sort(), ['data', 'owner']);
  assert.match(await readFile(join(dir, 'ingest', 'layout', 'owner'), 'utf8'), new RegExp(`^${process.pid}:\\d+ [0-9a-f]+\\n$`));
  const info = await w.commit();
  const hex = sha256('layout!').slice('sha256:'.length);
  assert.is(store.path(info.digest), join(dir, 'blobs', 'sha256', hex));
  assert.is(await readFile(join(dir, 'blobs', 'sha256', hex), 'utf8'), 'layout!');
  assert.equal(await readdir(join(dir, 'ingest')), [], 'commit leaves no ingest behind');
});

it('refs are encoded so none escapes ingest/ and distinct refs never share a directory', async (dir, store) => {
  const refs = ['../../escape', '.hidden', 'a/b', 'a%2Fb', 'sha256:' + 'a'.repeat(64), 'x'.repeat(400)];
  const writers = await Promise.all(refs.map((ref) => store.writer({ ref })));
  const names = await readdir(join(dir, 'ingest'));
  assert.is(names.length, refs.length);
  assert.ok(names.every((n) => !n.startsWith('.') && !n.includes('/') && n.length <= 200), names.join(' '));
  assert.equal(await readdir(dir), ['blobs', 'ingest']);
  await Promise.all(writers.map((w) => w.abort()));
  await rejects(store.writer({ ref: '' }), Error, /ref/);
});

it('a live owner locks its ref, naming its pid; a reused pid with another start time does not', async (dir, store) => {
  const w = await store.writer({ ref: 'busy' });
  await rejects(store.writer({ ref: 'busy' }), FailedPreconditionError, new RegExp(`^ingest busy is locked by pid ${process.pid}$`));
  await w.abort();
  // Our own pid, but a start time that is not ours: a process that is gone.
  await mkdir(join(dir, 'ingest', 'reused'), { recursive: true });
  await writeFile(join(dir, 'ingest', 'reused', 'owner'), `${process.pid}:1 0badc0de\n`);
  await writeFile(join(dir, 'ingest', 'reused', 'data'), 'stale');
  const taker = await store.writer({ ref: 'reused' });
  await taker.write(Buffer.from('fresh'));
  assert.is((await taker.commit()).digest, sha256('fresh'));
});

it('cleanupIngests removes dead owners, ownerless ingests and dead temp entries, and keeps live ones', async (dir, store) => {
  const live = await store.writer({ ref: 'live' });
  const ingest = join(dir, 'ingest');
  await mkdir(join(ingest, 'dead'));
  await writeFile(join(ingest, 'dead', 'owner'), '999999999:5 00\n');
  await mkdir(join(ingest, 'ownerless'));
  await mkdir(join(ingest, '.tmp-999999999-5-abc123'));
  assert.is(await store.cleanupIngests(), 3);
  assert.equal(await readdir(ingest), ['live']);
  await live.write(Buffer.from('still mine'));
  assert.is((await live.commit()).size, 10);
});

it('aborted writes and failed commits leave ingest/ empty', async (dir, store) => {
  const w = await store.writer();
  await w.write(Buffer.from('x'));
  await w.abort();
  await rejects(store.writeBuffer('y', { digest: sha256('z') }), FailedPreconditionError);
  const ac = new AbortController();
  const source = (async function* () {
    yield Buffer.from('first');
    ac.abort();
    await sleep(5);
    yield Buffer.from('second');
  })();
  await rejects(store.writeStream(source, undefined, { signal: ac.signal }), Error, /abort/i);
  assert.equal(await readdir(join(dir, 'ingest')), []);
});

/** mulberry32: small and deterministic. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The child writes 1–4 MiB blobs (new content each round) under one ref, 64 KiB a millisecond, committing
// each and printing its digest, until it is killed.
const CHILD = `
import { LocalContentStore } from ${JSON.stringify(new URL('./local.js', import.meta.url).href)};
import { setTimeout as sleep } from 'node:timers/promises';
const [dir, round] = [process.argv[1], Number(process.argv[2])];
const store = new LocalContentStore(dir);
for (let i = 0; ; i++) {
  const w = await store.writer({ ref: 'crash' });
  if (i === 0) process.stdout.write('ready\\n');
  const size = (1 + (i % 4)) * 1024 * 1024;
  for (let off = 0; off < size; off += 65536) {
    await w.write(Buffer.alloc(65536, (round * 101 + i * 37 + off / 65536) % 256));
    await sleep(1);
  }
  process.stdout.write((await w.commit()).digest + '\\n');
}
`;

async function runAndKill(dir: string, round: number, delayMs: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dir, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const closed = once(child, 'close');
  for (let waited = 0; !out.includes('ready\n'); waited += 5) {
    if (waited > 10_000 || child.exitCode !== null) throw new Error(`crash child did not start: ${out}`);
    await sleep(5);
  }
  await sleep(delayMs);
  child.kill('SIGKILL');
  await closed;
  return out.split('\n').filter((l) => l.startsWith('sha256:'));
}

const SEED = 0x6b696c6e;
it(`a writer SIGKILLed at random moments leaves only whole blobs and a cleanable ingest (seed ${SEED})`, async (dir, store) => {
  const next = rng(SEED);
  let leftovers = 0;
  for (let round = 0; round < 6; round++) {
    const committed = await runAndKill(dir, round, Math.floor(next() * 400));
    for (const info of await collect(store)) {
      assert.equal(await hashStream(await store.reader(info.digest)), { digest: info.digest, size: info.size }, 'a listed blob is whole');
    }
    for (const d of committed) assert.ok(await store.has(d as never), `committed ${d} is listed`);
    const left = (await readdir(join(dir, 'ingest'))).length;
    leftovers += left;
    const retry = async (): Promise<void> => {
      const w = await store.writer({ ref: 'crash' });
      await w.write(Buffer.from(`retry ${round}`));
      assert.is((await w.commit()).digest, sha256(`retry ${round}`));
    };
    if (round % 2 === 0) {
      await retry(); // takes the dead writer's ingest over
      await store.cleanupIngests();
    } else {
      assert.is(await store.cleanupIngests(), left);
      assert.equal(await readdir(join(dir, 'ingest')), []);
      await retry();
    }
    assert.equal(await readdir(join(dir, 'ingest')), [], `round ${round}: nothing is left in ingest/`);
  }
  assert.ok(leftovers >= 3, `the kills left only ${leftovers} ingests behind: they missed the writes`);
});

test.run();
