import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goQuote, goQuoteList } from '../../util/go-quote.js';
import { goDuration } from './go-format.js';
import { cleanPath, destPath, normalizeWorkdir } from './paths.js';

test('goDuration matches Go\'s time.Duration.String', () => {
  const cases: [number, string][] = [
    [0, '0s'], [1, '1ns'], [1500, '1.5µs'], [500e6, '500ms'], [1.25e6, '1.25ms'], [1e9, '1s'], [30e9, '30s'],
    [90e9, '1m30s'], [300e9, '5m0s'], [3600e9, '1h0m0s'], [3661.5e9, '1h1m1.5s'], [-2e9, '-2s'],
  ];
  assert.equal(cases.map(([ns]) => goDuration(ns)), cases.map(([, s]) => s));
});

test('goQuote matches strconv.Quote', () => {
  assert.is(goQuote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
  assert.is(goQuote('tab\tnl\nbell\x07del\x7f'), '"tab\\tnl\\nbell\\adel\\x7f"');
  assert.is(goQuote('héllo ✓'), '"héllo ✓"');
  assert.is(goQuote('\u200b'), '"\\u200b"');
  assert.is(goQuoteList(['/bin/sh', '-c', 'echo "hi"']), '["/bin/sh" "-c" "echo \\"hi\\""]');
  assert.is(goQuoteList([]), '[]');
});

test('cleanPath matches Go\'s path.Clean', () => {
  const cases: [string, string][] = [['', '.'], ['/', '/'], ['a/../..', '..'], ['/../a', '/a'], ['/a//b/./c/', '/a/b/c'], ['a/b/../../c', 'c']];
  assert.equal(cases.map(([p]) => cleanPath(p)), cases.map(([, c]) => c));
});

test('WORKDIR and COPY destinations resolve like BuildKit', () => {
  assert.is(normalizeWorkdir('', 'app'), '/app');
  assert.is(normalizeWorkdir('/a', '../../b/'), '/b');
  assert.is(destPath('/w', ''), '/w/');
  assert.is(destPath('/', 'x/'), '/x/');
  assert.is(destPath('/w', '/.'), '/.');
});

test.run();
