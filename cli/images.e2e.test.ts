// `kiln images` and `kiln inspect` as scripts read them: docker's flags,
// filters, JSON keys and Go templates.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { e2eReady } from '../util/test-e2e.js';
import { jsonLines } from '../util/test-json.js';
import { kilnFixture } from '../util/test-kiln.js';

if (e2eReady('images e2e', ['runc'])) {
  const test = suite('images e2e');
  const fx = kilnFixture('images');
  const ids: Record<string, string> = {};
  const out = (...args: string[]): string => fx.ok(args).stdout;

  test.before(async () => {
    await fx.baseImage();
    // Created times one day apart (SOURCE_DATE_EPOCH), oldest first.
    const specs = [
      ['old', 'LABEL tier=base', ['-t', 'app/old:1']],
      ['mid', 'LABEL tier=web team=a', ['-t', 'app/web:1', '-t', 'app/web:2']],
      ['new', 'LABEL tier=web', ['-t', 'other:latest']],
      ['none', 'LABEL tier=none', []],
    ] as const;
    let day = 1_700_000_000;
    for (const [name, label, tags] of specs) {
      const ctx = await fx.context(name, { Dockerfile: `FROM bb\nRUN echo ${name} > /n\n${label}\n` });
      ids[name] = fx.ok(['build', '-q', ...tags, ctx], { env: { SOURCE_DATE_EPOCH: String((day += 86_400)) } }).stdout.trim();
    }
  });
  test.after(() => fx.cleanup());

  const short = (name: string): string => (ids[name] as string).replace('sha256:', '').slice(0, 12);

  test('the default table, -q, a repository argument, --no-trunc and --digests', () => {
    const table = out('images', 'app/web');
    assert.match(table, /^REPOSITORY {3}TAG {7}IMAGE ID {7}CREATED {2,}SIZE\n/);
    assert.match(table, new RegExp(`^app/web {6}1 {9}${short('mid')} {3}\\S`, 'm'));
    assert.is(table.trim().split('\n').length, 3);
    assert.is(out('images', '-q', 'app/web:2'), `${short('mid')}\n`);
    assert.is(out('images', '-q', '--no-trunc', 'other'), `${ids.new}\n`);
    assert.match(out('images', '--digests', 'other'), /^REPOSITORY {3}TAG {7}DIGEST {4}IMAGE ID/);
    assert.is(out('images', '--format', 'table', 'app/web'), table, '--format table is the default table');
  });

  test('filters: dangling, reference globs, label, before and since', () => {
    const q = (...f: string[]): string[] => out('images', '-q', ...f.flatMap((x) => ['--filter', x])).trim().split('\n').filter((l) => l !== '');
    assert.equal(q('dangling=true'), [short('none')]);
    assert.not.ok(q('dangling=false').includes(short('none')));
    assert.equal(q('reference=app/*:1'), [short('mid'), short('old')]);
    assert.equal(q('reference=oth*', 'reference=app/old'), [short('new'), short('old')]);
    assert.equal(q('label=tier=web', 'label=team'), [short('mid'), short('mid')]);
    assert.equal(q('since=app/web:1', 'label=tier'), [short('none'), short('new')]);
    assert.equal(q('before=app/web:1', 'label=tier'), [short('old')]);
  });

  test('--format json has docker\'s keys; templates, table templates and {{json .}}', () => {
    const rows = jsonLines<Record<string, string>>(out('images', '--format', 'json', 'app/old'));
    assert.equal(Object.keys(rows[0] ?? {}), ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
    assert.equal([rows[0]?.Repository, rows[0]?.Tag, rows[0]?.ID], ['app/old', '1', short('old')]);
    assert.match(rows[0]?.CreatedAt ?? '', /^2023-11-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    assert.is(out('images', '--format', '{{.Repository}}:{{.Tag}}', 'app/web'), 'app/web:1\napp/web:2\n');
    assert.is(out('images', '--format', 'table {{.Repository}}\\t{{.Tag}}', 'app/web'), 'REPOSITORY   TAG\napp/web      1\napp/web      2\n');
    assert.equal(JSON.parse(out('images', '--format', '{{json .}}', 'other')).ID, short('new'));
    assert.is(out('images', '--format', '{{if eq .Tag "2"}}two{{else}}{{.Tag}}{{end}}', 'app/web'), '1\ntwo\n');
  });

  test('kiln inspect --format', () => {
    assert.is(out('inspect', '--format', '{{.Id}}', 'app/web:1'), `${ids.mid}\n`);
    assert.equal(JSON.parse(out('inspect', '--format', '{{json .Config}}', 'app/web:1')).Labels, { tier: 'web', team: 'a' });
    assert.is(out('inspect', '--format', '{{index .RepoTags 0}} {{.Config.Labels.tier}}', 'app/old:1', 'other'), 'app/old:1 base\nother:latest web\n');
    assert.is(out('inspect', '-f', '{{range .RepoTags}}<{{.}}>{{end}}', ids.mid as string), '<app/web:1><app/web:2>\n');
  });

  test('bad filters and templates: a usage error (2), or an error naming the field (1)', () => {
    const bad = (args: string[], code: number, msg: RegExp): void => {
      const r = fx.kiln(args);
      assert.is(r.code, code, r.stderr);
      assert.match(r.stderr, msg);
    };
    bad(['images', '--filter', 'colour=red'], 2, /^error: invalid filter "colour": kiln images filters are dangling, reference, before, since, label\n$/);
    bad(['images', '--filter', 'dangling=maybe'], 2, /expected true or false/);
    bad(['images', '--format', '{{.Repository'], 2, /^error: template: unclosed action/);
    bad(['images', '--format', '{{define "x"}}{{end}}'], 2, /\{\{define\}\} is not supported/);
    bad(['images', '--format', '{{.Name}}'], 1, /^error: template: can't evaluate field Name: the fields are Containers, CreatedAt/);
    bad(['inspect', '--format', '{{nope .Id}}', 'other'], 2, /function "nope" not defined/);
  });

  test.run();
}
