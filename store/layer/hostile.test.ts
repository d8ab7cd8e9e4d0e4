// Hostile layers: every attempt to write outside the target is refused with a
// message naming the entry, and nothing outside the target changes.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidArgumentError } from '../../util/errors.js';
import { HOSTILE_CASES, HOSTILE_LINKS, hostileRoot } from '../../util/test-root-cases.js';
import { applyLayer } from './index.js';
import { collect, removeDir, snapshotTree, tempDir } from './test-support.js';

type Entry = Partial<Header> & { name: string; content?: string };

const t = suite('hostile layers');
let sandbox = '';
let target = '';
let before: Record<string, string> = {};

t.before(async () => {
  sandbox = await tempDir();
  await mkdir(join(sandbox, 'outside'));
  await writeFile(join(sandbox, 'outside/secret'), 'keep');
  await mkdir(join(sandbox, 'jail'));
});

t.before.each(async () => {
  target = join(sandbox, 'jail/target');
  await rm(target, { recursive: true, force: true });
  await mkdir(target);
  before = await outsideTarget();
});

t.after.each(async () => {
  assert.equal(await outsideTarget(), before, 'nothing outside the target changed');
  assert.not.ok(existsSync('/etc/x'));
});

t.after(async () => {
  await removeDir(sandbox);
});

async function outsideTarget(): Promise<Record<string, string>> {
  const all = await snapshotTree(sandbox);
  // The target itself changes (entries added, its mtime ticking over a second boundary): only what is outside it counts.
  return Object.fromEntries(Object.entries(all).filter(([k]) => !k.startsWith('jail/target/') && k !== 'jail/target' && k !== 'jail'));
}

async function tarOf(entries: readonly Entry[]): Promise<Buffer> {
  const p = pack();
  for (const { content, ...h } of entries) {
    if (content === undefined) p.entry(h);
    else p.entry(h, content);
  }
  p.finalize();
  return collect(p as unknown as Readable);
}

async function refused(tar: Buffer, pattern: RegExp): Promise<void> {
  try {
    await applyLayer(Readable.from([tar]), target);
  } catch (err) {
    assert.instance(err, InvalidArgumentError);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('the layer was applied');
}

const file = (name: string, content = 'pwned'): Entry => ({ name, type: 'file', content });
const sym = (name: string, linkname: string): Entry => ({ name, type: 'symlink', linkname });
const hard = (name: string, linkname: string): Entry => ({ name, type: 'link', linkname });

t('a name with .. that escapes', async () => {
  await refused(await tarOf([file('../x')]), /layer entry "\.\.\/x" escapes the target/);
});

t('an absolute name', async () => {
  await refused(await tarOf([file('/etc/x')]), /layer entry "\/etc\/x" is an absolute path/);
});

t('.. in the middle that escapes', async () => {
  await refused(await tarOf([file('ok', 'fine'), file('a/../../x')]), /"a\/\.\.\/\.\.\/x" escapes/);
});

t('a symlink to / and then a file through it', async () => {
  await refused(await tarOf([sym('evil', '/'), file('evil/etc/x')]), /"evil\/etc\/x" goes through symlink "evil"/);
});

t('a symlink to ../.. and then a file through it', async () => {
  await refused(await tarOf([sym('evil', '../..'), file('evil/x')]), /"evil\/x" goes through symlink "evil"/);
});

t('a directory through a symlink', async () => {
  await refused(await tarOf([sym('evil', '../../outside'), { name: 'evil/sub', type: 'directory' }]), /"evil\/sub" goes through symlink/);
});

t('a hardlink to /etc/passwd', async () => {
  await refused(await tarOf([hard('x', '/etc/passwd')]), /hardlink "x" to "\/etc\/passwd" is an absolute path/);
});

t('a hardlink to ../outside', async () => {
  await refused(await tarOf([hard('x', '../outside/secret')]), /hardlink "x" to "\.\.\/outside\/secret" escapes/);
});

t('a hardlink through a symlink', async () => {
  await refused(await tarOf([sym('evil', '../../outside'), hard('x', 'evil/secret')]), /layer entry "x" goes through symlink "evil"/);
});

t('a whiteout through a symlink', async () => {
  await refused(await tarOf([sym('evil', '../../outside'), file('evil/.wh.secret', '')]), /"evil\/\.wh\.secret" goes through symlink/);
});

t('an opaque marker through a symlink', async () => {
  await refused(await tarOf([sym('evil', '../../outside'), file('evil/.wh..wh..opq', '')]), /"evil\/\.wh\.\.wh\.\.opq" goes through symlink/);
});

t('a whiteout of ..', async () => {
  await refused(await tarOf([file('.wh...', '')]), /whiteout "\.wh\.\.\." names "\.\."/);
});

t('a symlink left by a lower layer is not followed either', async () => {
  await symlink('../../outside', join(target, 'lowlink'));
  await refused(await tarOf([file('lowlink/x')]), /"lowlink\/x" goes through symlink "lowlink"/);
});

t('a file over an existing symlink replaces the symlink, not its target', async () => {
  await symlink('../../outside/secret', join(target, 'lnk'));
  await applyLayer(Readable.from([await tarOf([file('lnk', 'mine')])]), target);
  assert.is(await readFile(join(target, 'lnk'), 'utf8'), 'mine');
  assert.is(await readFile(join(sandbox, 'outside/secret'), 'utf8'), 'keep');
});

t('a directory replaced by a symlink does not get its deferred mtime through it', async () => {
  const outsideMtime = (await stat(join(sandbox, 'outside'))).mtimeMs;
  const tar = await tarOf([{ name: 'd', type: 'directory', mtime: new Date(1e9) }, sym('d', '../../outside')]);
  await applyLayer(Readable.from([tar]), target);
  assert.is((await stat(join(sandbox, 'outside'))).mtimeMs, outsideMtime);
});

t('a truncated tar names the entry it stopped in', async () => {
  const tar = await tarOf([file('first', 'x'), file('big', 'y'.repeat(10_000))]);
  await refused(tar.subarray(0, 3000), /layer tar is truncated at entry "big"/);
});

t('a tar cut at an entry boundary (no end marker) is truncated too', async () => {
  const tar = await tarOf([file('first', 'x'), file('second', 'y')]);
  await refused(tar.subarray(0, 1024), /layer tar is truncated after entry "first"/);
});

t('garbage bytes', async () => {
  const garbage = Buffer.alloc(4096, 'not a tar at all ');
  await refused(garbage, /layer tar is corrupt: bad header checksum at offset 0 at the start/);
});

t('garbage after a valid entry names that entry', async () => {
  const tar = await tarOf([file('ok', 'fine')]);
  const bad = Buffer.concat([tar.subarray(0, 1024), Buffer.alloc(1024, 0x41)]);
  await refused(bad, /corrupt: bad header checksum at offset 1024 after entry "ok"/);
});

/** Applies `entries` to `dir`: true when applied, false when refused as InvalidArgumentError. */
async function applied(entries: readonly Entry[], dir: string): Promise<boolean> {
  try {
    await applyLayer(Readable.from([await tarOf(entries)]), dir);
    return true;
  } catch (err) {
    if (err instanceof InvalidArgumentError) return false;
    throw err;
  }
}

t('the shared hostile table: a write through a lower layer\'s or its own links stays inside or is refused', async () => {
  const h = await hostileRoot();
  try {
    for (const c of HOSTILE_CASES) {
      const name = c.path.slice(1);
      // The links left by a lower layer (on disk already), then the same links made by the layer itself.
      const fresh = join(h.sandbox, 'jail', 'fresh');
      await rm(fresh, { recursive: true, force: true });
      await mkdir(fresh);
      const own = [{ name: 'outside/', type: 'directory' }, { name: 'nested/', type: 'directory' }, ...HOSTILE_LINKS.map(([n, l]) => sym(n, l))] as Entry[];
      for (const [dir, entries] of [[h.root, [file(name)]], [fresh, [...own, file(name)]]] as const) {
        if (await applied(entries, dir)) assert.is(await readFile(join(dir, c.lands), 'utf8'), 'pwned', `${c.path} landed in ${dir}`);
        assert.is(await readFile(h.outsideSecret, 'utf8'), 'host', c.path);
      }
    }
  } finally {
    await h.remove();
  }
});

t.run();
