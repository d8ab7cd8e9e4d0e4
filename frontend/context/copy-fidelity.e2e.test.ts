// COPY/ADD behaviours of current BuildKit's Dockerfile integration tests,
// built end to end by bin/kiln (runc, overlayfs) and checked in a
// `--output type=local` tree: empty wildcards, several archives, sockets,
// --parents with ** and wildcards before the pivot, --chmod on created
// parents, ADD --chown of archive contents, and a relative symlink in the
// image as the destination (with hostile variants that must stay in the rootfs).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pack, type Header } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../../util/test-e2e.js';
import { kilnFixture } from '../../util/test-kiln.js';

type Item = Partial<Header> & { name: string; body?: string };

async function tarOf(items: readonly Item[]): Promise<Buffer> {
  const p = pack();
  for (const { body, ...header } of items) p.entry({ mode: 0o644, mtime: new Date(1_400_000_000_000), ...header }, body ?? '');
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

if (e2eReady('COPY/ADD fidelity e2e', ['runc', 'busybox'])) {
  const test = suite('COPY/ADD fidelity e2e');
  const fx = kilnFixture('copyfid', { env: { KILN_GC: '0' } });
  let n = 0;

  /** Builds `files` (with a Dockerfile) and returns the local output dir, or the failed run. */
  const build = async (files: Record<string, string | Buffer>, ...args: string[]): Promise<{ code: number | null; out: string; dir: string }> => {
    const name = `c${n++}`;
    const ctx = await fx.context(name, {});
    for (const [f, body] of Object.entries(files)) await writeFile(join(ctx, f), body);
    const dir = join(fx.tmp, `${name}-out`);
    const r = fx.kiln(['build', '--progress', 'plain', ...args, '--output', `type=local,dest=${dir}`, ctx]);
    return { code: r.code, out: `${r.stdout}\n${r.stderr}`, dir };
  };
  const ok = async (files: Record<string, string | Buffer>, ...args: string[]): Promise<string> => {
    const r = await build(files, ...args);
    assert.is(r.code, 0, r.out);
    return r.dir;
  };

  test.before(() => fx.baseImage());
  test.after(() => fx.cleanup());

  test('a wildcard matching nothing is accepted next to a real source; a missing plain path is not', async () => {
    const dir = await ok({ Dockerfile: 'FROM scratch\nCOPY foo nomatch* /\nCOPY --exclude=* fo* /ex/\n', foo: 'contents0' });
    assert.is(await readFile(join(dir, 'foo'), 'utf8'), 'contents0');
    assert.not.ok(existsSync(join(dir, 'ex')), 'a source --exclude empties copies nothing');
    const bad = await build({ Dockerfile: 'FROM scratch\nCOPY foo missing /\n', foo: 'x' });
    assert.is(bad.code, 1, bad.out);
    assert.match(bad.out, /"\/missing": not found/);
    assert.not.match(bad.out, /^\s+at /m, 'no stack trace');
  });

  test('ADD *.tar extracts every archive into the destination', async () => {
    const dir = await ok({
      Dockerfile: 'FROM scratch\nADD *.tar /dest\n',
      't.tar': await tarOf([{ name: 'foo', body: 'content0' }]),
      'b.tar': await tarOf([{ name: 'bar', body: 'content1' }]),
    });
    assert.is(await readFile(join(dir, 'dest/foo'), 'utf8'), 'content0');
    assert.is(await readFile(join(dir, 'dest/bar'), 'utf8'), 'content1');
  });

  test('a socket in the context becomes an empty regular file', async () => {
    const ctx = await fx.context(`c${n++}`, { Dockerfile: 'FROM scratch\nCOPY . /\n' });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(ctx, 'socket.sock'), resolve));
    try {
      const out = join(fx.tmp, 'socket-out');
      fx.ok(['build', '-q', '--output', `type=local,dest=${out}`, ctx]);
      const st = await lstat(join(out, 'socket.sock'));
      assert.ok(st.isFile());
      assert.is(st.size, 0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('COPY --parents with ** from the context, and BuildKit\'s relative-parents cases from a stage', async () => {
    const ctx = await fx.context(`c${n++}`, {
      Dockerfile: 'FROM scratch\nCOPY --parents ./x/**/*.txt /out/\n',
      'x/a.txt': 'a',
      'x/y/b.txt': 'b',
      'x/y/c.md': 'c',
    });
    const out = join(fx.tmp, 'parents-out');
    fx.ok(['build', '-q', '--output', `type=local,dest=${out}`, ctx]);
    assert.is(await readFile(join(out, 'out/x/a.txt'), 'utf8'), 'a');
    assert.is(await readFile(join(out, 'out/x/y/b.txt'), 'utf8'), 'b');
    assert.not.ok(existsSync(join(out, 'out/x/y/c.md')));

    const base = [
      'FROM bb AS base',
      'WORKDIR /test',
      'RUN mkdir -p a/b/c/d/e a/b2/c/d/e a/b/c2/d/e a/b/c2/d/e2 && touch a/b/c/d/foo a/b/c/d/e/bay a/b2/c/d/e/bar a/b/c2/d/e/baz a/b/c2/d/e2/baz',
    ];
    const stages: Record<string, readonly string[]> = {
      middle: ['COPY --from=base --parents /test/a/b/./c/d /out/', 'RUN [ -d /out/c/d/e ] && [ -f /out/c/d/foo ] && [ ! -d /out/a ] && [ ! -d /out/e ]'],
      end: ['COPY --from=base --parents /test/a/b/c/d/. /out/', 'RUN [ -d /out/test/a/b/c/d/e ] && [ -f /out/test/a/b/c/d/foo ]'],
      double: ['COPY --from=base --parents /test/a/./b/./c /out/', 'RUN [ -d /out/b/c/d/e ] && [ -f /out/b/c/d/foo ]'],
      wildcard: ['COPY --from=base --parents /test/a/./*/c /out/', 'RUN [ -d /out/b/c/d/e ] && [ -f /out/b2/c/d/e/bar ]'],
      doublewildcard: ['COPY --from=base --parents /test/a/b*/./c/**/e /out/', 'RUN [ -f /out/c/d/e/bay ] && [ -f /out/c/d/e/bar ]'],
      doubleinputs: [
        'COPY --from=base --parents /test/a/b/c*/./d/**/baz /test/a/b*/./c/**/bar /out/',
        'RUN [ -f /out/d/e/baz ] && [ ! -f /out/d/e/bay ] && [ -f /out/d/e2/baz ] && [ -f /out/c/d/e/bar ]',
      ],
      nomatch: ['COPY --from=base --parents /test/a/b3*/c /test/a/b/./c2x* /out/', 'RUN [ -d /out ] && [ ! -d /out/a ] && [ -z "$(ls /out)" ]'],
    };
    const lines = [...base];
    for (const [name, body] of Object.entries(stages)) lines.push(`FROM bb AS ${name}`, ...body);
    const df = `${lines.join('\n')}\n`;
    for (const target of Object.keys(stages)) {
      const r = await build({ Dockerfile: df }, '--target', target);
      assert.is(r.code, 0, `${target}: ${r.out}`);
    }
    const missing = await build({ Dockerfile: `${base.join('\n')}\nFROM bb\nCOPY --from=base --parents /test/nonexistent-file /out/\n` });
    assert.is(missing.code, 1, missing.out);
    assert.match(missing.out, /"\/test\/nonexistent-file": not found/);
  });

  test('COPY --chmod makes new parents with its mode (BuildKit\'s 0777/0770 case); ADD --chown owns archive contents', async () => {
    const dir = await ok({
      Dockerfile: [
        'FROM bb AS base',
        'RUN mkdir -m 0777 /out',
        'COPY --chmod=777 foo /parent/foo',
        'COPY --chmod=770 foo /parent/sub/foo',
        'ADD --chown=100:200 t.tar /archive/',
        'RUN stat -c "%04a" /parent > /out/parentperm && stat -c "%04a" /parent/sub > /out/subparentperm' +
          ' && stat -c "%u:%g" /archive /archive/foo /archive/d /archive/d/l > /out/owners',
        'FROM scratch',
        'COPY --from=base /out /',
        '',
      ].join('\n'),
      foo: 'foo-contents',
      't.tar': await tarOf([
        { name: 'foo', body: 'content0', uid: 1, gid: 1 },
        { name: 'd/', type: 'directory', mode: 0o755 },
        { name: 'd/l', type: 'symlink', linkname: '../foo' },
      ]),
    });
    assert.is(await readFile(join(dir, 'parentperm'), 'utf8'), '0777\n');
    assert.is(await readFile(join(dir, 'subparentperm'), 'utf8'), '0770\n');
    assert.is(await readFile(join(dir, 'owners'), 'utf8'), '100:200\n100:200\n100:200\n100:200\n');
  });

  test('COPY into /symlink/ where ADD made symlink -> ../tmp/symlink-target lands in /tmp/symlink-target', async () => {
    const dir = await ok({
      Dockerfile: 'FROM scratch\nADD t.tar /\nCOPY foo /symlink/\n',
      foo: 'content0',
      't.tar': await tarOf([{ name: 'symlink', type: 'symlink', linkname: '../tmp/symlink-target', mode: 0o755 }]),
    });
    assert.is(await readFile(join(dir, 'tmp/symlink-target/foo'), 'utf8'), 'content0');
  });

  test('hostile: image symlinks that climb out of the rootfs resolve inside it, never on the host', async () => {
    const canary = `kiln-test-canary-${randomBytes(6).toString('hex')}`;
    const dir = await ok({
      Dockerfile: [
        'FROM scratch',
        'ADD t.tar /',
        'COPY foo /climb/',
        `COPY foo /deep/up/${canary}.2`,
        `ADD t2.tar /deep/up/`,
        '',
      ].join('\n'),
      foo: 'content0',
      't.tar': await tarOf([
        { name: 'climb', type: 'symlink', linkname: `../../../../../../../../../tmp/${canary}` },
        { name: 'deep/', type: 'directory', mode: 0o755 },
        { name: 'deep/up', type: 'symlink', linkname: '../../../../../../../../../tmp' },
      ]),
      't2.tar': await tarOf([{ name: `${canary}.3`, body: 'from an archive' }]),
    });
    for (const f of [canary, `${canary}.2`, `${canary}.3`]) assert.not.ok(existsSync(join('/tmp', f)), `host /tmp/${f} untouched`);
    assert.is(await readFile(join(dir, `tmp/${canary}/foo`), 'utf8'), 'content0');
    assert.is(await readFile(join(dir, `tmp/${canary}.2`), 'utf8'), 'content0');
    assert.is(await readFile(join(dir, `tmp/${canary}.3`), 'utf8'), 'from an archive');
    assert.ok((await readdir(join(dir, 'tmp'))).length >= 3);
  });

  test.run();
}
