import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { goStruct, goTemplate } from './go-template.js';
import { InvalidArgumentError } from './errors.js';

const test = suite('go template subset');
const x = (src: string, data: unknown): string => goTemplate(src).execute(data);
const row = goStruct({ Repository: 'app', Tag: '1', ID: 'abc', Labels: { b: '2', a: '1' }, Names: ['x', 'y'], Empty: '' });

test('fields, nested fields and text', () => {
  assert.is(x('{{.Repository}}:{{.Tag}}', row), 'app:1');
  assert.is(x('id={{ .ID }}\t{{.Labels.a}}', row), 'id=abc\t1');
  assert.is(x('{{.Labels.missing}}', row), '<no value>');
  assert.is(x('{{.}}', 'plain'), 'plain');
});

test('json, index, join, split, len and case functions', () => {
  assert.is(x('{{json .Labels}}', row), '{"b":"2","a":"1"}');
  assert.is(x('{{json .}}', { a: [1, 'x'], b: null }), '{"a":[1,"x"],"b":null}');
  assert.is(x('{{index .Names 1}} {{index .Labels "b"}}', row), 'y 2');
  assert.is(x('{{join .Names ", "}}', row), 'x, y');
  assert.is(x('{{.Tag | printf "v%s"}}', row), 'v1');
  assert.is(x('{{index (split "a/b/c" "/") 2}}', row), 'c');
  assert.is(x('{{len .Names}} {{upper .Tag}}{{lower "AB"}} {{title "hello world"}}', row), '2 1ab Hello World');
  assert.is(x('{{printf "%s-%d" .Tag 7}}', row), '1-7');
});

test('range with and without variables, over lists and maps; else', () => {
  assert.is(x('{{range .Names}}[{{.}}]{{end}}', row), '[x][y]');
  assert.is(x('{{range $i, $n := .Names}}{{$i}}={{$n}};{{end}}', row), '0=x;1=y;');
  assert.is(x('{{range $k, $v := .Labels}}{{$k}}:{{$v}} {{end}}', row), 'a:1 b:2 ');
  assert.is(x('{{range .Nothing}}x{{else}}none{{end}}', { Nothing: [] }), 'none');
  assert.is(x('{{range .Names}}{{$.Tag}}{{end}}', row), '11');
});

test('if / else if / else, with, comparisons and trim markers', () => {
  assert.is(x('{{if .Empty}}a{{else if eq .Tag "1"}}b{{else}}c{{end}}', row), 'b');
  assert.is(x('{{if and .Tag (not .Empty)}}yes{{end}}', row), 'yes');
  assert.is(x('{{with .Labels}}{{.a}}{{end}}', row), '1');
  assert.is(x('a  {{- .Tag -}}  b', row), 'a1b');
  assert.is(x('{{/* a comment */}}z', row), 'z');
  assert.is(x('{{.Names}} {{.Labels}}', row), '[x y] map[a:1 b:2]');
});

test('errors name what is wrong', () => {
  const err = (src: string, data: unknown = row): string => {
    try {
      x(src, data);
    } catch (e) {
      assert.instance(e, InvalidArgumentError);
      return (e as Error).message;
    }
    throw new Error(`no error for ${src}`);
  };
  assert.match(err('{{.Nope}}'), /^template: can't evaluate field Nope: the fields are Repository, Tag, ID/);
  assert.match(err('{{nope .ID}}'), /^template: function "nope" not defined/);
  assert.match(err('{{define "x"}}{{end}}'), /^template: \{\{define\}\} is not supported/);
  assert.match(err('{{template "x"}}'), /\{\{template\}\} is not supported/);
  assert.match(err('{{if .ID}}x'), /\{\{if\}\} at offset 0 has no \{\{end\}\}/);
  assert.match(err('{{.ID'), /unclosed action/);
  assert.match(err('{{end}}'), /unexpected \{\{end\}\}/);
  assert.match(err('{{index .Names 5}}'), /index out of range: 5/);
  assert.match(err('{{$x := 1}}'), /only in range/);
  assert.match(err('{{join .ID}}'), /wrong number of arguments for join: want 2, got 1/);
});

test.run();
