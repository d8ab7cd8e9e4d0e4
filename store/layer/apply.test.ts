// Applying whiteouts, opaque markers and metadata onto plain directories.
import { lstat, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../util/errors.js';
import { applyLayer, createDiffStream } from './index.js';
import { collect, removeDir, run, tempDir } from './test-support.js';

type Entry = Partial<Header> & { name: string; content?: string };

const t = suite('layer apply');
let target = '';

t.before.each(async () => {
  target = await tempDir();
  await run('sh', ['-c', 'echo a > a && mkdir -p d/sub && echo x > d/x && echo y > d/sub/y && echo keep > keep', ''], { cwd: target });
});

t.after.each(async () => {
  await removeDir(target);
});

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  for (const { content, ...h } of entries) {
    if (content === undefined) p.entry(h);
    else p.entry(h, content);
  }
  p.finalize();
  return collect(p as unknown as Readable);
}

async function apply(entries: Entry[]): Promise<void> {
  await applyLayer(Readable.from([await tarOf(entries)]), target);
}

const file = (name: string, content = ''): Entry => ({ name, type: 'file', content });
const dir = (name: string, extra: Partial<Header> = {}): Entry => ({ name, type: 'directory', ...extra });

t('.wh.<name> deletes a file and, recursively, a directory', async () => {
  await apply([file('.wh.a'), file('.wh.d')]);
  assert.equal((await readdir(target)).sort(), ['keep']);
});

t('a whiteout of something missing changes nothing and creates no parents', async () => {
  await apply([file('.wh.nothing'), file('missing/dir/.wh.x')]);
  assert.equal((await readdir(target)).sort(), ['a', 'd', 'keep']);
});

t('an opaque marker before the layer entries empties the directory first', async () => {
  await apply([dir('d/'), file('d/.wh..wh..opq'), file('d/z', 'z')]);
  assert.equal(await readdir(join(target, 'd')), ['z']);
});

t('an opaque marker after the layer entries spares what the layer created', async () => {
  await apply([dir('d/'), file('d/z', 'z'), dir('d/new/'), file('d/new/f', 'f'), file('d/.wh..wh..opq')]);
  assert.equal((await readdir(join(target, 'd'))).sort(), ['new', 'z']);
  assert.equal(await readdir(join(target, 'd/new')), ['f']);
});

t('aufs metadata names are skipped, not created', async () => {
  await apply([dir('.wh..wh.plnk/'), file('.wh..wh.aufs')]);
  assert.equal((await readdir(target)).sort(), ['a', 'd', 'keep']);
});

t('overlay xattrs in a layer are not applied (a layer cannot forge an opaque dir)', async () => {
  await apply([{ name: 'o/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } }]);
  const { stdout } = await run('getfattr', ['-d', '-m', '-', '--absolute-names', join(target, 'o')], { encoding: 'utf8' });
  assert.not.match(stdout, /overlay/);
});

t('directory mtimes are set after their children are written', async () => {
  await apply([dir('t/', { mtime: new Date(1_000_000_000_000) }), file('t/one', '1'), file('t/two', '2')]);
  assert.is((await stat(join(target, 't'))).mtimeMs, 1_000_000_000_000);
});

t('missing parents are created 0755', async () => {
  await apply([file('p/q/r', 'r')]);
  assert.is((await stat(join(target, 'p/q'))).mode & 0o7777, 0o755);
});

t('an empty stream is a truncated tar', async () => {
  try {
    await applyLayer(Readable.from([Buffer.alloc(0)]), target);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, /truncated at its start/);
  }
});

t('apply stops when its signal aborts', async () => {
  const ac = new AbortController();
  const big = await tarOf([file('f1', 'x'.repeat(4096)), file('f2', 'y')]);
  async function* slow(): AsyncGenerator<Buffer> {
    yield big.subarray(0, 1024);
    ac.abort();
    await new Promise((r) => setTimeout(r, 20));
    yield big.subarray(1024);
  }
  try {
    await applyLayer(Readable.from(slow()), target, { signal: ac.signal });
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).name, 'AbortError');
  }
});

t('diff stops when its signal aborts', async () => {
  const src = await tempDir();
  try {
    await writeFile(join(src, 'f'), 'x');
    await mkdir(join(src, 'dir'));
    const ac = new AbortController();
    ac.abort();
    const d = createDiffStream(src, { signal: ac.signal });
    await collect(d.stream).then(
      () => assert.unreachable(),
      (err: Error) => assert.is(err.name, 'AbortError'),
    );
    await d.done.then(
      () => assert.unreachable(),
      () => undefined,
    );
  } finally {
    await removeDir(src);
  }
});

t('the target may be a path through a symlink; entries land in its real dir', async () => {
  const link = `${target}-link`;
  await run('ln', ['-s', target, link]);
  try {
    await applyLayer(Readable.from([await tarOf([file('via-link', 'v')])]), link);
    assert.ok((await lstat(join(target, 'via-link'))).isFile());
  } finally {
    await run('rm', ['-f', link]);
  }
});

t.run();
