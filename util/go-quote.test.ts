import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { goQuote, goQuoteList } from './go-quote.js';

// Values from Go 1.22: fmt.Println(strconv.Quote(s)).
test('goQuote escapes what strconv.Quote escapes', () => {
  assert.is(goQuote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
  assert.is(goQuote('\x00\x1b\x7f'), '"\\x00\\x1b\\x7f"');
  assert.is(goQuote('\u0085\u00a0\u200b'), '"\\u0085\\u00a0\\u200b"');
  assert.is(goQuote('\u{e0001}'), '"\\U000e0001"');
  assert.is(goQuote('héllo ✓ 😀'), '"héllo ✓ 😀"');
});

test('goQuote prints a lone surrogate as U+FFFD like Go does for invalid UTF-8', () => {
  assert.is(goQuote('a\ud800b'), '"a\ufffdb"');
});

test('goQuoteList is %q of a []string', () => {
  assert.is(goQuoteList(['sh', '-c', 'echo "x"']), '["sh" "-c" "echo \\"x\\""]');
  assert.is(goQuoteList([]), '[]');
});

test.run();
