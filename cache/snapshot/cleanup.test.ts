// Snapshot cleanup after killed processes: what a dead process left goes, what
// a live one holds (even mid-creation, in another process) stays.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NotFoundError } from '../../util/errors.js';
import { selfTag } from '../../util/owner-tag.js';
import { deadProcessIdentity, deadProcessTag } from '../../util/test-process.js';
import { NativeSnapshotter, OWNER_LABEL, ownedLabels } from './index.js';
import { rejects, withTempDir } from './test-support.js';

const test = suite('snapshot cleanup');

/** The directory id of every record, from the metadata file. */
async function ids(dir: string): Promise<Record<string, string>> {
  const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { snapshots: Record<string, { id: string }> };
  return Object.fromEntries(Object.entries(meta.snapshots).map(([k, v]) => [k, v.id]));
}

const layers = async (dir: string): Promise<string[]> => (await readdir(join(dir, 'l'))).sort();

async function committed(sn: NativeSnapshotter, key: string, parent?: string): Promise<void> {
  await sn.prepare(`${key}-active`, parent);
  await writeFile(join(await sn.layerDir(`${key}-active`), key), key);
  await sn.commit(key, `${key}-active`);
}

test('a record whose directory is gone is dropped with its descendants; the rest stays', () =>
  withTempDir(async (tmp) => {
    const dir = join(tmp, 's');
    const sn = new NativeSnapshotter(dir);
    await committed(sn, 'base');
    await committed(sn, 'mid', 'base');
    await sn.prepare('top', 'mid');
    await committed(sn, 'other', 'base');
    const before = await ids(dir);
    // A prune killed after deleting the directory but before the record (old kiln, or by hand).
    await rm(join(dir, 'l', before.mid ?? ''), { recursive: true });
    // `kiln check` asks to keep them: it names such damage itself.
    assert.equal(await sn.cleanup({ dangling: false }), { dirs: 0, dangling: [], abandoned: [] });
    assert.is((await sn.stat('mid')).key, 'mid');
    const report = await sn.cleanup();
    assert.equal([...report.dangling].sort(), ['mid', 'top']);
    await rejects(sn.stat('mid'), NotFoundError, 'does not exist');
    await rejects(sn.stat('top'), NotFoundError, 'does not exist');
    assert.equal(await layers(dir), [before.base, before.other].sort());
    assert.is(await readFile(join(await sn.layerDir('other'), 'other'), 'utf8'), 'other');
    // Building on what is left works.
    await sn.prepare('again', 'base');
    assert.equal(await sn.cleanup(), { dirs: 0, dangling: [], abandoned: [] });
  }),
);

test("unnamed directories and a dead process's half-made or half-removed ones go; a live process's stay", () =>
  withTempDir(async (tmp) => {
    const dir = join(tmp, 's');
    const sn = new NativeSnapshotter(dir);
    await committed(sn, 'keep');
    const dead = await deadProcessTag();
    const made = ['abcdefgh', `.rm-${dead}-zzzzzzzz`, `.new-${dead}-yyyyyyyy`, `.new-${selfTag()}-wwwwwwww`, 'not-kilns'];
    for (const name of made) {
      await mkdir(join(dir, 'l', name, 'fs', 'deep'), { recursive: true });
      await writeFile(join(dir, 'l', name, 'fs', 'deep', 'f'), 'x');
    }
    // While another kiln runs, an unnamed dir may be an older kiln version's snapshot being made.
    let asked = 0;
    const busy = await sn.cleanup({ othersIdle: async () => (asked++, false) });
    assert.equal([busy.dirs, asked], [2, 1]);
    assert.equal(await layers(dir), ['abcdefgh', (await ids(dir)).keep, `.new-${selfTag()}-wwwwwwww`, 'not-kilns'].sort());
    const report = await sn.cleanup({ othersIdle: async () => true });
    assert.is(report.dirs, 1);
    assert.equal(await layers(dir), [(await ids(dir)).keep, `.new-${selfTag()}-wwwwwwww`, 'not-kilns'].sort());
    assert.equal(await sn.cleanup({ othersIdle: async () => { assert.unreachable('asked with no unnamed dir'); return true; } }), { dirs: 0, dangling: [], abandoned: [] });
    assert.is(await readFile(join(await sn.layerDir('keep'), 'keep'), 'utf8'), 'keep');
  }),
);

test("working snapshots of a dead owner go; a live owner's and unlabelled ones (kept containers) stay", () =>
  withTempDir(async (tmp) => {
    const dir = join(tmp, 's');
    const sn = new NativeSnapshotter(dir);
    await committed(sn, 'base');
    const dead = { [OWNER_LABEL]: await deadProcessIdentity() };
    await sn.prepare('run-dead', 'base', { labels: dead });
    await sn.view('view-dead', 'base', { labels: dead });
    await sn.prepare('run-live', 'base', { labels: ownedLabels() });
    await sn.prepare('container-x', 'base', { labels: { 'kiln.container': 'x' } });
    const before = await ids(dir);
    // Removing records runs as the root's one collection (a prune lists snapshots, then removes them).
    let exclusive = 0;
    const asCollection = async <T>(fn: () => Promise<T>): Promise<T> => (exclusive++, fn());
    const report = await sn.cleanup({ exclusive: asCollection });
    assert.equal([...report.abandoned].sort(), ['run-dead', 'view-dead']);
    assert.is(exclusive, 1);
    await sn.cleanup({ exclusive: asCollection });
    assert.is(exclusive, 1, 'nothing to remove: no collection taken');
    const keys: string[] = [];
    await sn.walk((i) => void keys.push(i.key));
    assert.equal(keys, ['base', 'container-x', 'run-live']);
    assert.equal(await layers(dir), [before.base, before['container-x'], before['run-live']].sort());
  }),
);

test('commit drops the owner label and keeps the others', () =>
  withTempDir(async (tmp) => {
    const sn = new NativeSnapshotter(join(tmp, 's'));
    await sn.prepare('a', undefined, { labels: ownedLabels({ 'kiln.unpack': 'x' }) });
    assert.ok((await sn.stat('a')).labels[OWNER_LABEL] !== undefined);
    await sn.commit('c', 'a');
    assert.equal((await sn.stat('c')).labels, { 'kiln.unpack': 'x' });
  }),
);

const childScript = (indexUrl: string): string => `
  const { NativeSnapshotter } = await import(${JSON.stringify(indexUrl)});
  const sn = new NativeSnapshotter(process.argv[1]);
  let n = 0;
  process.stdin.on('data', () => process.exit(0));
  for (;;) { await sn.cleanup(); if (++n === 1) process.stdout.write('ready\\n'); }
`;

test('cleanup in another process, looping while this one creates and removes snapshots, loses nothing', () =>
  withTempDir(async (tmp) => {
    const dir = join(tmp, 's');
    const sn = new NativeSnapshotter(dir);
    await committed(sn, 'base');
    const indexUrl = new URL('./index.js', import.meta.url).href;
    const child = spawn(process.execPath, ['--input-type=module', '-e', childScript(indexUrl), dir], { stdio: ['pipe', 'pipe', 'inherit'], cwd: dirname(fileURLToPath(import.meta.url)) });
    await once(child.stdout, 'data');
    try {
      for (let round = 0; round < 4; round++) {
        await Promise.all(
          Array.from({ length: 6 }, async (_, i) => {
            const key = `s${round}-${i}`;
            await committed(sn, key, 'base');
            await sn.prepare(`run-${key}`, key, { labels: ownedLabels() });
            if (i % 2 === 0) await sn.remove(`run-${key}`);
          }),
        );
      }
    } finally {
      child.stdin.write('stop\n');
      await once(child, 'exit');
    }
    const records = await ids(dir);
    assert.is(Object.keys(records).length, 1 + 4 * 6 + 4 * 3);
    assert.equal(await layers(dir), Object.values(records).sort(), 'every record has its directory and nothing else is left');
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 6; i++) assert.is(await readFile(join(await sn.layerDir(`s${round}-${i}`), `s${round}-${i}`), 'utf8'), `s${round}-${i}`);
    }
  }),
);

test.run();
