// Fuzzing the parser: mutated BuildKit testfiles and hand-written seeds must
// either parse into a well-formed AST or fail with a located
// DockerfileSyntaxError — never another exception, never slowly.
// Deterministic: the seed is in the test name; override it with KILN_FUZZ_SEED
// (the input count with KILN_FUZZ_COUNT; KILN_FUZZ_VERBOSE=1 lists the error messages seen).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerfileSyntaxError, dumpDockerfile, parse } from './index.js';
import { LineError } from './errors.js';
import type { Args, Dockerfile, Instruction, Position, Range } from './index.js';
import { sharedDir } from '../util/test-paths.js';

const DEFAULT_SEED = 0x6b696c6e; // "kiln"
const SEED = parseSeed(process.env.KILN_FUZZ_SEED) ?? DEFAULT_SEED;
const COUNT = Math.max(1, Number(process.env.KILN_FUZZ_COUNT ?? '') || 30_000);
const MAX_INPUT = 48 * 1024;
const FILENAME = 'fuzz/Dockerfile';

function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.trim());
  if (!Number.isFinite(n)) throw new Error(`KILN_FUZZ_SEED must be a number, got ${JSON.stringify(v)}`);
  return n >>> 0;
}

/** mulberry32: small, fast, good enough for fuzzing, fully deterministic. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error('pick from an empty list');
    return x;
  }
  /** A span length biased towards short spans. */
  span(max: number): number {
    if (max <= 0) return 0;
    const r = this.next();
    const n = r < 0.6 ? 1 + this.int(4) : r < 0.9 ? 1 + this.int(32) : 1 + this.int(max);
    return Math.min(n, max);
  }
}

// ---------------------------------------------------------------------------
// Seeds

const HAND_SEEDS: readonly string[] = [
  // heredocs of every shape
  'FROM alpine\nRUN <<EOF\necho "$HOME"\n  indented\n\nEOF\nRUN next\n',
  "FROM alpine\nRUN <<-'X'\n\techo hi\n\t\tX\nCOPY <<EOF /dst\ncontent\nEOF\n",
  'FROM a\nRUN <<A <<"B" cat - /dev/fd/3 3<<C\na\nA\nb\nB\nc\nC\n',
  'FROM a\nCOPY --chmod=755 <<one.sh <<two.sh /app/\n#!/bin/sh\necho 1\none.sh\necho 2\ntwo.sh\n',
  'FROM a\nRUN python3 <<PY \\\n  && echo done\nprint("hi")\nPY\nADD <<e\\\'o /x\nbody\ne\'o\n',
  'FROM a\nRUN <<EOF bash -c "cat"\nline with ` and \\ and \'\nEOF\nRUN <<EOF\n',
  // directives
  '# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended;error=true\n# escape=\\\nFROM a\nRUN echo \\\n  hi\n',
  '#escape=`\n#syntax=x\nFROM a\n# escape=\\\nRUN echo `\n  hi\n',
  '\uFEFF# escape = `\r\nFROM a\r\nRUN dir c:\\ `\r\n  && echo done\r\nCOPY ["c:\\\\x", "d:\\\\y"]\r\n',
  '# Syntax=a\n# ESCAPE=`\n# check = error=true\n\nFROM a\n',
  '# escape=x\nFROM a\n',
  // escape = backtick, Windows-style
  '# escape=`\nFROM mcr.microsoft.com/windows/servercore\nSHELL ["powershell", "-Command"]\nRUN Write-Host `\n    "hello" ; `\n    `\n    Write-Host done\nWORKDIR c:\\app\nCOPY . c:\\app\\\nENV A=`"q`" B=c:\\p\n',
  // every instruction kind, flags, JSON, key/value
  [
    'ARG BASE=alpine:3.19',
    'FROM --platform=$BUILDPLATFORM ${BASE} AS build',
    'RUN --mount=type=cache,target=/root/.cache --network=none make -j"$(nproc)"',
    'RUN ["sh", "-c", "echo \\"quoted\\" \\u00e9"]',
    'ENV A=1 B="two words" C=three\\ words',
    'ENV LEGACY value with spaces',
    'LABEL "com.example.vendor"="ACME" version=1.0 description="multi \\',
    '  line"',
    'EXPOSE 80/tcp 443 8000-8010/udp',
    'HEALTHCHECK --interval=5m --timeout=3s CMD curl -f http://localhost/ || exit 1',
    'HEALTHCHECK NONE',
    'ONBUILD ADD . /app/src',
    'ONBUILD RUN ["make"]',
    'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    'VOLUME ["/data", "/logs"]',
    'VOLUME /var/a /var/b',
    'USER app:app',
    'WORKDIR /srv/$APP',
    'STOPSIGNAL SIGTERM',
    'CMD ["serve", "--port", "80"]',
    'ENTRYPOINT exec /entry.sh',
    'ADD --checksum=sha256:abc https://example.com/x.tgz /x/',
    'COPY --from=build --chown=1000:1000 --link /out /app',
    'MAINTAINER someone',
    'UNKNOWN whatever [ "x"',
    '',
  ].join('\n'),
  // continuation corner cases
  'FROM a\nRUN echo a \\\n\n  # comment inside\n\n  b \\\n',
  'FROM a\nRUN \\\\\nRUN echo \\\\ \nRUN x\\ \t\n y\n',
  'FROM a\nRUN [ "unterminated\nCMD [\'single\']\nENTRYPOINT ["a", ]\nCMD ["\\u00zz"]\n',
  'from a as B\nrun echo\nCoPy --from=B / /\nonbuild onbuild run x\nhealthcheck cmd\nhealthcheck --retries=3 CMD ["a"]\n',
];

const TOKENS: readonly string[] = [
  '\r', '\r\n', '\n', '\n\n', '\t', '\0', ' ', '\\', '\\\n', '\\ \n', '`', '`\n', '"', "'", '[', ']', '{', '}',
  '(', ')', '$', '${', '}', '=', ',', ':', '#', '# ', '--', '--from=', '--mount=type=bind,source=x,target=/y ',
  '--platform=linux/amd64 ', '<<EOF', '<<EOF\n', '<<-EOF', "<<-'X'", "<<-'X'\n", '<<"E"', '<<', '<<-', '3<<A',
  'EOF', 'EOF\n', '\tEOF\n', 'X\n', '# escape=`\n', '# escape=\\\n', '# escape=x\n', '# syntax=docker/dockerfile:1\n',
  '# check=skip=all\n', '#escape=`', 'é', 'ß', '日本語', 'Ωmega', '\u00a0', '\u2028', '\u{1F600}', '\uD800',
  '\uDC00', '\uFEFF', '\u0085', '\x7f', '\x1b', '\x0b', '\x0c', 'RUN ', 'FROM ', 'COPY ', 'ADD ', 'ENV ',
  'LABEL ', 'ARG ', 'ONBUILD ', 'HEALTHCHECK ', 'HEALTHCHECK CMD ', 'SHELL ', 'VOLUME ', 'CMD ', 'ENTRYPOINT ',
  'EXPOSE ', 'USER ', 'WORKDIR ', 'STOPSIGNAL ', 'MAINTAINER ', 'AS ', '["a", "b"]', '["', '"]', '[]', '[""]',
  '\\u00', '\\"', "\\'", 'A=', '=B', 'K="v w"', 'FROM a\n', 'RUN <<EOF\nx\nEOF\n', 'COPY <<EOF /x\n',
];

const OPENERS: readonly string[] = ['"', "'", '[', '["', '{', '${', '$(', '<<EOF\n', "<<-'X'\n", '<<"A" <<B\n', '`', '\\'];

/** Unicode-ish random character: mostly ASCII controls/printables, sometimes anything. */
function randomChar(rng: Rng): string {
  const r = rng.next();
  if (r < 0.5) return String.fromCharCode(rng.int(128));
  if (r < 0.8) return String.fromCharCode(rng.int(256));
  if (r < 0.95) return String.fromCharCode(rng.int(0x10000));
  return String.fromCodePoint(0x10000 + rng.int(0x100000));
}

// ---------------------------------------------------------------------------
// Mutations

type Mutator = (s: string, rng: Rng, corpus: readonly string[]) => string;

const pos = (s: string, rng: Rng): number => rng.int(s.length + 1);

/** Offsets just after each newline (start of each line), plus 0. */
function lineStarts(s: string): number[] {
  const out = [0];
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function randomLine(s: string, rng: Rng): { start: number; end: number } {
  const starts = lineStarts(s);
  const k = rng.int(starts.length);
  const start = starts[k] ?? 0;
  const next = starts[k + 1];
  return { start, end: next === undefined ? s.length : next };
}

const MUTATORS: ReadonlyArray<readonly [string, number, Mutator]> = [
  ['delete', 8, (s, rng) => {
    const a = rng.int(s.length + 1);
    const n = rng.span(s.length - a);
    return s.slice(0, a) + s.slice(a + n);
  }],
  ['duplicate', 6, (s, rng) => {
    const a = rng.int(s.length + 1);
    const n = rng.span(s.length - a);
    const at = pos(s, rng);
    const piece = s.slice(a, a + n).repeat(rng.chance(0.1) ? 2 + rng.int(8) : 1);
    return s.slice(0, at) + piece + s.slice(at);
  }],
  ['token', 12, (s, rng) => {
    const at = pos(s, rng);
    return s.slice(0, at) + rng.pick(TOKENS) + s.slice(at);
  }],
  ['random-chars', 8, (s, rng) => {
    const at = pos(s, rng);
    let ins = '';
    for (let n = 1 + rng.int(rng.chance(0.8) ? 3 : 16); n > 0; n--) ins += randomChar(rng);
    return s.slice(0, at) + ins + s.slice(at);
  }],
  ['replace-char', 8, (s, rng) => {
    if (s.length === 0) return randomChar(rng);
    const at = rng.int(s.length);
    const c = rng.chance(0.5) ? rng.pick(TOKENS) : randomChar(rng);
    return s.slice(0, at) + c + s.slice(at + 1);
  }],
  ['unbalance', 6, (s, rng) => {
    // An opener (quote, bracket, heredoc) with no matching close, at a word boundary if possible.
    let at = pos(s, rng);
    const sp = s.indexOf(' ', at);
    if (sp !== -1 && rng.chance(0.7)) at = sp + 1;
    return s.slice(0, at) + rng.pick(OPENERS) + s.slice(at);
  }],
  ['drop-closer', 5, (s, rng) => {
    // Removes one closing quote/bracket/terminator so the opener is left hanging.
    const closers: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22 || c === 0x27 || c === 0x5d || c === 0x7d || c === 0x29) closers.push(i);
    }
    if (closers.length === 0) return s;
    const i = rng.pick(closers);
    return s.slice(0, i) + s.slice(i + 1);
  }],
  ['heredoc', 6, (s, rng) => {
    // Turns a line into a heredoc opener whose terminator may be missing or mangled.
    const { start } = randomLine(s, rng);
    const name = rng.pick(['EOF', 'X', 'e"o"f', "'Q'", '"D"', 'A B', '', '-', 'EOF\\']);
    const head = rng.pick(['RUN ', 'COPY ', 'ADD ', 'RUN cat ', 'ONBUILD RUN ', 'COPY --from=x ']);
    const op = rng.pick(['<<', '<<-', '0<<', '3<<', '<< ']);
    const body = rng.chance(0.5) ? `body ${name}\n` : '';
    const term = rng.chance(0.4) ? `${rng.chance(0.5) ? '\t' : ''}${name.replace(/['"]/g, '')}\n` : '';
    return s.slice(0, start) + `${head}${op}${name} /dst\n${body}${term}` + s.slice(start);
  }],
  ['directive', 4, (s, rng) => {
    const d = rng.pick(['# escape=`', '# escape=\\', '#escape =  `', '# escape=', '# escape=ab', '# syntax=a', '# check=x', '# syntax=a\n# syntax=b', '# ESCAPE=`']);
    const nl = rng.pick(['\n', '\r\n', '']);
    return rng.chance(0.7) ? d + nl + s : (() => {
      const { start } = randomLine(s, rng);
      return s.slice(0, start) + d + nl + s.slice(start);
    })();
  }],
  ['backtick-escape', 3, (s) => '# escape=`\n' + s.replace(/\\\n/g, '`\n')],
  ['crlf', 2, (s, rng) => (rng.chance(0.5) ? s.replace(/\n/g, '\r\n') : s.replace(/\n/g, '\r'))],
  ['bom', 1, (s) => '\uFEFF' + s],
  ['swap-lines', 3, (s, rng) => {
    const a = randomLine(s, rng);
    const b = randomLine(s, rng);
    if (a.start === b.start) return s;
    const [x, y] = a.start < b.start ? [a, b] : [b, a];
    return s.slice(0, x.start) + s.slice(y.start, y.end) + s.slice(x.end, y.start) + s.slice(x.start, x.end) + s.slice(y.end);
  }],
  ['delete-line', 3, (s, rng) => {
    const { start, end } = randomLine(s, rng);
    return s.slice(0, start) + s.slice(end);
  }],
  ['splice', 5, (s, rng, corpus) => {
    const other = rng.pick(corpus);
    return s.slice(0, pos(s, rng)) + other.slice(rng.int(other.length + 1));
  }],
  ['insert-lines', 3, (s, rng, corpus) => {
    const other = rng.pick(corpus);
    const { start, end } = randomLine(other, rng);
    const at = rng.pick(lineStarts(s));
    return s.slice(0, at) + other.slice(start, end) + s.slice(at);
  }],
  ['truncate', 5, (s, rng) => s.slice(0, pos(s, rng))],
  ['trailing', 2, (s, rng) => s + rng.pick(['\\', '`', '\\\n', '\\ ', ' \\\n\n', '<<EOF', '\n<<EOF\n', '"', '[', '\0'])],
  ['long-line', 0.05, (s, rng) => {
    // Around BuildKit's 64 KiB line limit, in ASCII or multi-byte characters.
    const ch = rng.pick(['a', 'é', '日']);
    const bytes = Buffer.byteLength(ch);
    const n = Math.floor((65535 + rng.int(3) - 1) / bytes);
    const at = rng.pick(lineStarts(s));
    return s.slice(0, at) + 'RUN ' + ch.repeat(n) + '\n' + s.slice(at);
  }],
  ['nest', 0.3, (s, rng) => {
    // Deeply nested ONBUILD triggers, within the line length limit.
    const at = rng.pick(lineStarts(s));
    const depth = rng.chance(0.5) ? 1 + rng.int(8) : 1 + rng.int(8000);
    return s.slice(0, at) + 'ONBUILD '.repeat(depth) + rng.pick(['RUN x', 'ONBUILD', 'CMD ["a"]', 'ENV a=b', '']) + '\n' + s.slice(at);
  }],
  ['empty-ish', 0.3, (s, rng) => rng.pick(['', '\n', ' ', '#', '# escape=`', '\uFEFF', '\\', '\r\n\r\n', s.slice(0, 1)])],
];

const TOTAL_WEIGHT = MUTATORS.reduce((a, [, w]) => a + w, 0);

function pickMutator(rng: Rng): readonly [string, number, Mutator] {
  let r = rng.next() * TOTAL_WEIGHT;
  for (const m of MUTATORS) {
    r -= m[1];
    if (r < 0) return m;
  }
  return MUTATORS[0] as readonly [string, number, Mutator];
}

// ---------------------------------------------------------------------------
// The property

/** Line/column of every offset, computed independently of the parser. */
class Oracle {
  readonly text: string;
  readonly starts: number[];
  readonly lineCount: number;
  constructor(text: string) {
    this.text = text;
    this.starts = lineStarts(text);
    this.lineCount = text.split('\n').length;
  }
  checkPosition(p: Position, what: string): void {
    const { offset, line, column } = p;
    if (!Number.isInteger(offset) || offset < 0 || offset > this.text.length) {
      throw new Invariant(`${what}: offset ${offset} outside [0, ${this.text.length}]`);
    }
    if (!Number.isInteger(line) || line < 1 || line > this.lineCount + 1) {
      throw new Invariant(`${what}: line ${line} outside [1, ${this.lineCount + 1}]`);
    }
    if (!Number.isInteger(column) || column < 1) throw new Invariant(`${what}: column ${column} < 1`);
    // Consistency: line/column must describe the same point as the offset.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    const wantLine = lo + 1;
    const wantCol = offset - (this.starts[lo] ?? 0) + 1;
    if (line !== wantLine || column !== wantCol) {
      throw new Invariant(`${what}: ${line}:${column} does not match offset ${offset} (${wantLine}:${wantCol})`);
    }
  }
  checkRange(r: Range, what: string, within?: Range): void {
    this.checkPosition(r.start, `${what}.start`);
    this.checkPosition(r.end, `${what}.end`);
    if (r.start.offset > r.end.offset) throw new Invariant(`${what}: start ${r.start.offset} > end ${r.end.offset}`);
    if (within && (r.start.offset < within.start.offset || r.end.offset > within.end.offset)) {
      throw new Invariant(`${what}: [${r.start.offset}, ${r.end.offset}) not within [${within.start.offset}, ${within.end.offset})`);
    }
  }
}

class Invariant extends Error {}

function checkArgs(o: Oracle, args: Args, within: Range, what: string): void {
  switch (args.form) {
    case 'json':
    case 'words':
      args.values.forEach((w, i) => o.checkRange(w.range, `${what}.values[${i}]`, within));
      break;
    case 'string':
      if (args.value) o.checkRange(args.value.range, `${what}.value`, within);
      break;
    case 'keyValue':
      args.pairs.forEach((p, i) => {
        o.checkRange(p.range, `${what}.pairs[${i}]`, within);
        o.checkRange(p.key.range, `${what}.pairs[${i}].key`, within);
        o.checkRange(p.value.range, `${what}.pairs[${i}].value`, within);
      });
      break;
    case 'healthcheck':
      if (args.type) o.checkRange(args.type.range, `${what}.type`, within);
      if (args.command) checkArgs(o, args.command, within, `${what}.command`);
      break;
    case 'onbuild':
      if (args.instruction) checkInstruction(o, args.instruction, within, `${what}.instruction`, true);
      break;
    case 'ignored':
      break;
  }
}

function checkInstruction(o: Oracle, inst: Instruction, within: Range | undefined, what: string, nested = false): void {
  o.checkRange(inst.range, `${what}.range`, within);
  o.checkRange(inst.keywordRange, `${what}.keywordRange`, inst.range);
  if (inst.keyword.toLowerCase() !== inst.name) throw new Invariant(`${what}: name ${inst.name} is not keyword ${inst.keyword} lowercased`);
  // A logical line that is only an escape token gives an instruction with an empty name, as in BuildKit.
  if (inst.keyword.length === 0 && inst.original.trim() !== '') throw new Invariant(`${what}: empty keyword for ${JSON.stringify(inst.original)}`);
  if (inst.keywordRange.start.offset !== inst.range.start.offset && !nested) {
    throw new Invariant(`${what}: the range does not start at the keyword`);
  }
  let prev = inst.keywordRange.end.offset;
  inst.flags.forEach((f, i) => {
    o.checkRange(f.range, `${what}.flags[${i}]`, inst.range);
    if (f.range.start.offset < prev) throw new Invariant(`${what}.flags[${i}] starts before the previous flag ends`);
    prev = f.range.end.offset;
  });
  checkArgs(o, inst.args, inst.range, `${what}.args`);
  inst.heredocs.forEach((h, i) => {
    o.checkRange(h.range, `${what}.heredocs[${i}]`, inst.range);
    if (!o.text.startsWith(h.content, h.range.start.offset)) throw new Invariant(`${what}.heredocs[${i}]: the body is not the text at its range`);
    if (h.range.start.offset < inst.keywordRange.end.offset) throw new Invariant(`${what}.heredocs[${i}] starts before the keyword ends`);
  });
}

function checkAst(o: Oracle, df: Dockerfile): void {
  if (df.kind !== 'dockerfile' || df.filename !== FILENAME) throw new Invariant('bad root node');
  if (df.instructions.length === 0) throw new Invariant('parse returned a Dockerfile with no instructions');
  o.checkRange(df.range, 'dockerfile.range');
  df.directives.forEach((d, i) => o.checkRange(d.range, `directives[${i}]`));
  df.warnings.forEach((w, i) => o.checkRange(w.range, `warnings[${i}]`));
  let prevEnd = 0;
  let prevHeredocEnd = 0;
  df.instructions.forEach((inst, i) => {
    checkInstruction(o, inst, undefined, `instructions[${i}]`);
    if (inst.range.start.offset < prevEnd) {
      throw new Invariant(`instructions[${i}] starts at ${inst.range.start.offset}, before instructions[${i - 1}] ends at ${prevEnd}`);
    }
    prevEnd = inst.range.end.offset;
    for (const h of inst.heredocs) {
      if (h.range.start.offset < prevHeredocEnd) throw new Invariant(`instructions[${i}]: heredoc ranges out of order`);
      prevHeredocEnd = h.range.end.offset;
    }
  });
  // The dump must not throw and has one line per instruction.
  const dump = dumpDockerfile(df);
  const dumpLines = dump.split('\n').length - 1;
  if (dumpLines !== df.instructions.length) throw new Invariant(`dump has ${dumpLines} lines for ${df.instructions.length} instructions`);
  const first = df.instructions[0];
  const last = df.instructions[df.instructions.length - 1];
  if (first && last && (df.range.start.offset !== first.range.start.offset || df.range.end.offset !== last.range.end.offset)) {
    throw new Invariant('dockerfile.range does not span its instructions');
  }
}

function checkError(o: Oracle, err: DockerfileSyntaxError): void {
  o.checkRange(err.range, 'error.range');
  if (err.filename !== FILENAME) throw new Invariant(`error.filename is ${JSON.stringify(err.filename)}`);
  const prefix = `${FILENAME}:${err.range.start.line}:${err.range.start.column}: `;
  if (!err.message.startsWith(prefix)) throw new Invariant(`error.message ${JSON.stringify(err.message)} lacks ${JSON.stringify(prefix)}`);
  // withLocation() wraps whatever was thrown; an internal failure must not pass for a syntax error.
  const cause: unknown = err.cause;
  if (cause !== undefined && !(cause instanceof LineError)) {
    const c = cause instanceof Error ? `${cause.name}: ${cause.message}\n${cause.stack ?? ''}` : String(cause);
    throw new Invariant(`a DockerfileSyntaxError wraps an internal error: ${c}`);
  }
  if (/^internal:/.test(err.detail)) throw new Invariant(`internal parser error: ${err.detail}`);
}

/** The outcome of a parse as a comparable string (for the determinism check). */
function outcome(text: string): string {
  try {
    return JSON.stringify(parse(text, { filename: FILENAME }));
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message} ${JSON.stringify((err as Partial<DockerfileSyntaxError>).range)}` : String(err);
  }
}

/** One parse under the property. Returns a problem description, or null when the input is fine. */
const errorKinds = new Map<string, number>();

function check(text: string, again = false): { problem: string | null; ok: boolean; ms: number } {
  const o = new Oracle(text);
  let df: Dockerfile | undefined;
  let thrown: unknown;
  const t0 = performance.now();
  try {
    df = parse(text, { filename: FILENAME });
  } catch (err) {
    thrown = err;
  }
  const ms = performance.now() - t0;
  try {
    if (df) checkAst(o, df);
    else if (thrown instanceof DockerfileSyntaxError) {
      checkError(o, thrown);
      const kind = thrown.detail.replace(/\d+/g, 'N').slice(0, 60);
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
    }
    else {
      const e = thrown instanceof Error ? `${thrown.name}: ${thrown.message}\n${thrown.stack ?? ''}` : String(thrown);
      return { problem: `threw a non-DockerfileSyntaxError: ${e}`, ok: false, ms };
    }
    // Parsing is pure: the same input gives the same result whatever was parsed before.
    if (again) {
      const first = df ? JSON.stringify(df) : outcome(text);
      outcome('FROM a\nRUN [\n');
      outcome('FROM a\nRUN <<EOF\n');
      if (outcome(text) !== first) throw new Invariant('a second parse of the same input gave a different result');
    }
  } catch (err) {
    if (err instanceof Invariant) {
      const outcome = df ? 'AST' : `error ${JSON.stringify((thrown as Error).message)}`;
      return { problem: `${outcome}: ${err.message}`, ok: df !== undefined, ms };
    }
    throw err;
  }
  return { problem: null, ok: df !== undefined, ms };
}

/** The problem class: the message with numbers blanked, so one bug is reported once. */
const problemKind = (p: string): string => p.split('\n')[0]!.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 160);

/** Shrinks a failing input (lines, then characters) while the same kind of problem remains. */
function minimize(input: string, kind: string, budget = 3000, ms = 1500): string {
  let best = input;
  let calls = 0;
  const deadline = performance.now() + ms;
  const fails = (s: string): boolean => {
    calls++;
    if (performance.now() > deadline) calls = budget;
    const r = check(s);
    return r.problem !== null && problemKind(r.problem) === kind;
  };
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1 && calls < budget; chunk >>= 1) {
    for (let i = 0; i < best.length && calls < budget; ) {
      const cand = best.slice(0, i) + best.slice(i + chunk);
      if (fails(cand)) best = cand;
      else i += chunk;
    }
  }
  return best;
}

const show = (s: string, max = 2048): string => {
  const j = JSON.stringify(s);
  return j.length <= max ? j : `${j.slice(0, max)}… (${s.length} chars, truncated)`;
};

// ---------------------------------------------------------------------------

function loadCorpus(): string[] {
  const dir = join(sharedDir(), 'conformance', 'buildkit', 'parser', 'testfiles');
  const files = readdirSync(dir)
    .sort()
    .map((name) => readFileSync(join(dir, name, 'Dockerfile'), 'utf8'));
  return [...files, ...HAND_SEEDS];
}

const test = suite('parse: fuzz');

test(`seeds parse or fail cleanly (seed ${SEED})`, () => {
  const corpus = loadCorpus();
  assert.ok(corpus.length >= 33 + HAND_SEEDS.length, 'conformance corpus found');
  for (const s of corpus) {
    const r = check(s);
    assert.ok(r.problem === null, `seed corpus input fails: ${r.problem}\ninput: ${show(s)}`);
  }
});

test(`${COUNT} mutated inputs never crash the parser and stay fast (seed ${SEED}, override with KILN_FUZZ_SEED)`, () => {
  const corpus = loadCorpus();
  const rng = new Rng(SEED);
  // Inputs that parsed are fed back (bounded) so mutations compound over the run.
  const pool: string[] = [...corpus];
  const poolMax = corpus.length + 300;
  const counts = { ok: 0, syntaxError: 0, bytes: 0 };
  const mutationUse = new Map<string, number>();
  const failures = new Map<string, { index: number; input: string; problem: string; mutations: string[] }>();
  let failureCount = 0;
  let slowest = { ms: 0, index: -1, input: '' };
  const started = performance.now();

  for (let i = 0; i < COUNT; i++) {
    let s = rng.pick(rng.chance(0.7) ? corpus : pool);
    const applied: string[] = [];
    for (let n = 1 + (rng.chance(0.5) ? 0 : rng.int(rng.chance(0.8) ? 4 : 12)); n > 0; n--) {
      const [name, , mutate] = pickMutator(rng);
      s = mutate(s, rng, corpus);
      if (s.length > MAX_INPUT) s = s.slice(0, MAX_INPUT);
      applied.push(name);
      mutationUse.set(name, (mutationUse.get(name) ?? 0) + 1);
    }
    counts.bytes += s.length;
    // Time is reported (slowest input below), never asserted: a loaded machine is not a slow parser.
    const r = check(s, i % 16 === 0);
    if (r.ok) counts.ok++;
    else if (r.problem === null) counts.syntaxError++;
    if (r.ms > slowest.ms) slowest = { ms: r.ms, index: i, input: s };
    if (r.problem !== null) {
      failureCount++;
      const kind = problemKind(r.problem);
      if (!failures.has(kind)) failures.set(kind, { index: i, input: s, problem: r.problem, mutations: applied });
    } else if (r.ok && s.length < 8192) {
      if (pool.length < poolMax) pool.push(s);
      else pool[corpus.length + rng.int(poolMax - corpus.length)] = s;
    }
  }

  const elapsed = performance.now() - started;
  const uses = [...mutationUse].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(
    `  fuzz seed ${SEED}: ${COUNT} inputs (${(counts.bytes / 1e6).toFixed(1)} MB) in ${(elapsed / 1000).toFixed(2)} s; ` +
      `${counts.ok} parsed, ${counts.syntaxError} DockerfileSyntaxError, ${failureCount} violations ` +
      `(${failures.size} kinds); slowest #${slowest.index} ${slowest.ms.toFixed(2)} ms (${slowest.input.length} chars)\n  mutations: ${uses}`,
  );

  if (process.env.KILN_FUZZ_VERBOSE) console.log([...errorKinds].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${v}\t${JSON.stringify(k)}`).join('\n'));
  if (failures.size > 0) {
    const report = [...failures.entries()].slice(0, 8).map(([kind, f], k) => {
      const small = minimize(f.input, kind);
      const head = `#${k + 1} [input ${f.index}, mutations ${f.mutations.join(',')}] ${f.problem.slice(0, 1500)}`;
      return `${head}\n  minimized: ${show(small)}` + (k === 0 ? `\n  input: ${show(f.input)}` : '');
    });
    assert.unreachable(
      `fuzz seed ${SEED} (rerun with KILN_FUZZ_SEED=${SEED}): ${failureCount} property violations, ` +
        `${failures.size} distinct kinds:\n${report.join('\n')}`,
    );
  }
  assert.ok(counts.ok > COUNT / 20, `too few inputs parsed (${counts.ok}): the mutations are too destructive`);
  assert.ok(counts.syntaxError > COUNT / 20, `too few inputs failed (${counts.syntaxError}): the mutations are too gentle`);
});

test.run();
