import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter, lineText } from './lines.js';

test('a line split across chunks comes out whole, timed by its first chunk', () => {
  const s = new LineSplitter();
  assert.equal(s.push('hel', 1), []);
  assert.equal(s.push('lo\nwor', 2), [{ text: 'hello', time: 1 }]);
  assert.equal(s.push('ld\n', 3), [{ text: 'world', time: 2 }]);
});

test('\\r\\n ends a line, also when the \\r and \\n arrive in different chunks', () => {
  const s = new LineSplitter();
  assert.equal(s.push('a\r\nb\r', 1), [{ text: 'a', time: 1 }]);
  assert.equal(s.push('\nc', 2), [{ text: 'b', time: 1 }]);
  assert.equal(s.flush(), [{ text: 'c', time: 2 }]);
});

test('a lone \\r rewinds the line: a progress bar shows its last state', () => {
  assert.is(lineText(' 10%\r 50%\r100%'), '100%');
  const s = new LineSplitter();
  s.push(' 10%\r 50%', 1);
  assert.is(s.partial(), ' 50%');
  assert.equal(s.push('\r100%\n', 2), [{ text: '100%', time: 1 }]);
});

test('empty lines are kept; flush without a pending line gives nothing', () => {
  const s = new LineSplitter();
  assert.equal(s.push('\n\n', 1), [{ text: '', time: 1 }, { text: '', time: 1 }]);
  assert.equal(s.flush(), []);
});

test('an endless line is cut instead of buffered forever', () => {
  const s = new LineSplitter();
  const out = s.push('x'.repeat(70_000), 1);
  assert.is(out.length, 1);
  assert.is(s.partial(), '');
});

test.run();
