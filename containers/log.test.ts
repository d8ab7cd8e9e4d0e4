import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readLog, type LogEntry } from './log-reader.js';
import { JsonLogWriter } from './log-writer.js';

const test = suite('json-file logs');
let dir = '';
test.before.each(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-test-log-'));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

const write = (s: NodeJS.WritableStream, text: string): Promise<void> => new Promise((done) => s.write(text, () => done()));
const read = async (path: string, maxFile: number, o = {}): Promise<LogEntry[]> => {
  const out: LogEntry[] = [];
  await readLog(path, maxFile, (e) => out.push(e), o);
  return out;
};

test("docker's format: one entry per line, streams apart, partial lines flushed at the end, characters split between chunks kept", async () => {
  const path = join(dir, 'c-json.log');
  const w = new JsonLogWriter(path, { maxFile: 1 });
  const out = w.stream('stdout');
  await write(out, 'one\ntw');
  await write(w.stream('stderr'), 'oops\n');
  await write(out, 'o\nthree');
  const euro = Buffer.from('€\n');
  await write(out, euro.subarray(0, 1) as unknown as string);
  await write(out, euro.subarray(1) as unknown as string);
  w.close();
  const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as LogEntry);
  assert.equal(lines.map((l) => [l.stream, l.log]), [['stdout', 'one\n'], ['stderr', 'oops\n'], ['stdout', 'two\n'], ['stdout', 'three€\n']]);
  for (const l of lines) assert.ok(!Number.isNaN(Date.parse(l.time)));
  assert.equal((await read(path, 1, { tail: 2 })).map((e) => e.log), ['two\n', 'three€\n']);
  assert.equal(await read(path, 1, { since: Date.now() + 60_000 }), []);
});

test('rotation: max-size bounds each file, max-file how many; reading goes oldest first', async () => {
  const path = join(dir, 'c-json.log');
  const w = new JsonLogWriter(path, { maxSize: 300, maxFile: 3 });
  const out = w.stream('stdout');
  for (let i = 0; i < 40; i++) await write(out, `line ${i}\n`);
  w.close();
  assert.equal((await readdir(dir)).sort(), ['c-json.log', 'c-json.log.1', 'c-json.log.2']);
  for (const f of await readdir(dir)) assert.ok((await readFile(join(dir, f))).length <= 300, f);
  const logs = (await read(path, 3)).map((e) => e.log);
  assert.is(logs[logs.length - 1], 'line 39\n');
  assert.ok(logs.length < 40);
  const nums = logs.map((l) => Number(l.split(' ')[1]));
  assert.equal(nums, [...nums].sort((x, y) => x - y), 'in order');
  assert.is(nums[nums.length - 1]! - nums[0]! + 1, nums.length, 'no gaps');
});

test('follow reads what is written until the container stops', async () => {
  const path = join(dir, 'c-json.log');
  const w = new JsonLogWriter(path, { maxFile: 1 });
  const out = w.stream('stdout');
  await write(out, 'before\n');
  let running = true;
  const seen: string[] = [];
  const following = readLog(path, 1, (e) => seen.push(e.log), { follow: true, stillRunning: async () => running });
  await new Promise((r) => setTimeout(r, 150));
  await write(out, 'after\n');
  w.close();
  running = false;
  await following;
  assert.equal(seen, ['before\n', 'after\n']);
});

test.run();
