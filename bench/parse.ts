// Parser benchmark: kiln's parse() against dockerfile-ast on a generated
// 10,000-instruction Dockerfile that uses every instruction kind and form.
// Both parsers are warmed up, then timed alternately; the median is reported.
// Also reports the cold import time of dist/parser/index.js (child processes).
// Run: npm run bench:parse  (or node dist/bench/parse.js after tsc)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  Copy,
  DockerfileParser,
  Healthcheck,
  JSONInstruction,
  ModifiableInstruction,
  Onbuild,
  PropertyInstruction,
  Run,
} from 'dockerfile-ast';
import type { Instruction as AstInstruction } from 'dockerfile-ast';
import { parse } from '../parser/index.js';
import type { Args, Dockerfile, Instruction } from '../parser/index.js';

const INSTRUCTIONS = 10_000;
const WARMUP = 5;
const RUNS = 21;
const IMPORT_RUNS = 5;

/** One instruction per template (comments, continuations and heredoc bodies belong to it). */
const TEMPLATES: ReadonlyArray<(i: number, stage: number) => string> = [
  (_i, s) => `FROM --platform=linux/amd64 alpine:3.19 AS build${s}\n`,
  (i) => `# install tools, block ${i}\n# second comment line\nRUN apk add --no-cache curl git \\\n    && echo "step ${i}" \\\n    && rm -rf /var/cache/apk/*\n`,
  (i) => `RUN ["sh", "-c", "echo json form ${i} \\"quoted\\""]\n`,
  (i) => `RUN --mount=type=cache,target=/root/.cache,id=c${i} --mount=type=bind,source=.,target=/src --network=none make -C /src build\n`,
  (i) => `RUN <<EOF\nset -e\necho "heredoc ${i} $HOME"\n  indented line\nEOF\n`,
  (i) => `COPY <<EOF /etc/app-${i}.conf\nkey=value\nother=${i}\nEOF\n`,
  (i) => `RUN <<-'SCRIPT' bash\n\techo "quoted delimiter ${i}"\n\tSCRIPT\n`,
  (i) => `ENV APP_HOME=/app PATH="/app/bin:$PATH" N=${i} ESCAPED=a\\ b\n`,
  (i) => `ENV LEGACY_${i} some legacy value\n`,
  (i) => `LABEL org.opencontainers.image.title="app ${i}" version=1.${i} \\\n      description="multi-line label"\n`,
  (i) => `LABEL legacy_${i} "legacy label form"\n`,
  (i) => `ARG VERSION_${i}=1.0.${i}\n`,
  (i) => `ARG NOVALUE_${i}\n`,
  () => `EXPOSE 80 443/tcp 8000-8010/udp\n`,
  () => `HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -f http://localhost/ || exit 1\n`,
  () => `HEALTHCHECK CMD ["curl", "-f", "http://localhost/health"]\n`,
  () => `HEALTHCHECK NONE\n`,
  (i) => `ONBUILD RUN echo "onbuild ${i}"\n`,
  () => `ONBUILD COPY --chown=app . /app/src\n`,
  () => `SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n`,
  (i) => `VOLUME ["/data${i}", "/logs"]\n`,
  (i) => `VOLUME /var/lib/a${i} /var/lib/b\n`,
  () => `USER app:app\n`,
  (i) => `WORKDIR /app/${i}\n`,
  () => `STOPSIGNAL SIGTERM\n`,
  () => `CMD ["serve", "--port", "80"]\n`,
  (i) => `CMD echo "shell form ${i}"\n`,
  () => `ENTRYPOINT ["/usr/local/bin/entrypoint.sh", "--"]\n`,
  () => `ENTRYPOINT exec /usr/local/bin/entrypoint.sh\n`,
  (i) => `ADD --chown=1000:1000 --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/file-${i}.tar.gz /opt/\n`,
  (i) => `ADD ["src ${i}.tar.gz", "/opt/src/"]\n`,
  (i, s) => `COPY --from=build${s} --chown=app:app --chmod=755 --link /out/bin/app${i} /usr/local/bin/\n`,
  (i) => `COPY ["a b ${i}", "c", "/dst/"]\n`,
  () => `MAINTAINER Jane Doe <jane@example.com>\n`,
];

/** The benchmark Dockerfile: directives, then the templates in turn until `count` instructions. */
function generate(count: number): string {
  const parts = ['# syntax=docker/dockerfile:1.7\n# check=skip=JSONArgsRecommended\n\n'];
  let stage = 0;
  for (let i = 0; i < count; i++) {
    const k = i % TEMPLATES.length;
    if (k === 0) stage = i / TEMPLATES.length;
    const t = TEMPLATES[k];
    if (t) parts.push(t(i, stage));
    if (k === TEMPLATES.length - 1) parts.push('\n');
  }
  return parts.join('');
}

// --- equivalent work on both sides: parse, then touch every instruction, flag, argument and heredoc

function kilnArgs(a: Args): number {
  switch (a.form) {
    case 'json':
    case 'words':
      return a.values.reduce((n, w) => n + w.value.length, 0);
    case 'string':
      return a.value?.value.length ?? 0;
    case 'keyValue':
      return a.pairs.reduce((n, p) => n + p.key.value.length + p.value.value.length, 0);
    case 'healthcheck':
      return (a.type?.value.length ?? 0) + (a.command ? kilnArgs(a.command) : 0);
    case 'onbuild':
      return a.instruction ? kilnInstruction(a.instruction) : 0;
    case 'ignored':
      return 0;
  }
}

function kilnInstruction(inst: Instruction): number {
  let n = inst.keyword.length + inst.range.end.offset;
  for (const f of inst.flags) n += f.name.length + (f.value?.length ?? 0);
  for (const h of inst.heredocs) n += h.name.length + h.content.length;
  return n + kilnArgs(inst.args);
}

function runKiln(text: string): { checksum: number; instructions: number } {
  const df: Dockerfile = parse(text, { filename: 'bench/Dockerfile' });
  let checksum = df.directives.length;
  for (const inst of df.instructions) checksum += kilnInstruction(inst) + inst.comments.length;
  return { checksum, instructions: df.instructions.length };
}

function astInstruction(inst: AstInstruction): number {
  let n = inst.getKeyword().length + inst.getRange().end.line;
  for (const a of inst.getArguments()) n += a.getValue().length;
  if (inst instanceof ModifiableInstruction) {
    for (const f of inst.getFlags()) n += f.getName().length + (f.getValue()?.length ?? 0);
  }
  if (inst instanceof JSONInstruction) for (const j of inst.getJSONStrings()) n += j.getJSONValue().length;
  if (inst instanceof PropertyInstruction) {
    for (const p of inst.getProperties()) n += p.getName().length + (p.getValue()?.length ?? 0);
  }
  if (inst instanceof Run || inst instanceof Copy) {
    for (const h of inst.getHeredocs()) n += h.getName().length + (h.getContentRange()?.end.line ?? 0);
  }
  if (inst instanceof Healthcheck) n += inst.getSubcommand()?.getValue().length ?? 0;
  if (inst instanceof Onbuild) {
    const trigger = inst.getTriggerInstruction();
    if (trigger) n += astInstruction(trigger);
  }
  return n;
}

function runAst(text: string): { checksum: number; instructions: number } {
  const df = DockerfileParser.parse(text);
  let checksum = df.getDirectives().length + df.getComments().length;
  const instructions = df.getInstructions();
  for (const inst of instructions) checksum += astInstruction(inst);
  return { checksum, instructions: instructions.length };
}

// --- timing

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Median ms to import `url` in a fresh `node` process, measured inside that process. */
function coldImport(url: string): number | string {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(url)}); process.stdout.write(String(performance.now() - t0));`;
  const samples: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    const ms = Number(r.stdout);
    if (r.status !== 0 || !Number.isFinite(ms)) return `failed (${(r.stderr || r.error?.message || 'no output').trim().split('\n')[0]})`;
    samples.push(ms);
  }
  return median(samples);
}

function main(): void {
  const text = generate(INSTRUCTIONS);
  const bytes = Buffer.byteLength(text);
  const mb = bytes / 1e6;
  const lines = text.split('\n').length - 1;

  const kilnFirst = runKiln(text);
  const astFirst = runAst(text);
  console.log(
    `input: ${INSTRUCTIONS} instructions, ${lines} lines, ${(bytes / 1024).toFixed(0)} KiB ` +
      `(kiln sees ${kilnFirst.instructions}, dockerfile-ast sees ${astFirst.instructions} instructions)`,
  );
  const df = parse(text);
  const kinds = new Map<string, number>();
  for (const inst of df.instructions) kinds.set(inst.name, (kinds.get(inst.name) ?? 0) + 1);
  const heredocs = df.instructions.reduce((n, inst) => n + inst.heredocs.length, 0);
  const flags = df.instructions.reduce((n, inst) => n + inst.flags.length, 0);
  console.log(`kinds: ${[...kinds].map(([k, v]) => `${k}=${v}`).join(' ')}; ${heredocs} heredocs, ${flags} flags`);
  if (kilnFirst.instructions !== INSTRUCTIONS) {
    console.error(`bench-parse: kiln parsed ${kilnFirst.instructions} instructions, expected ${INSTRUCTIONS}`);
    process.exitCode = 1;
  }

  let sink = 0;
  for (let i = 0; i < WARMUP; i++) {
    sink += runKiln(text).checksum;
    sink += runAst(text).checksum;
  }
  const kilnMs: number[] = [];
  const astMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate (and swap the order each round) so drift and GC hit both alike.
    const k = (): number => time(() => (sink += runKiln(text).checksum));
    const a = (): number => time(() => (sink += runAst(text).checksum));
    if (i % 2 === 0) {
      kilnMs.push(k());
      astMs.push(a());
    } else {
      astMs.push(a());
      kilnMs.push(k());
    }
  }

  const report = (name: string, ms: number[]): number => {
    const m = median(ms);
    const min = Math.min(...ms);
    console.log(
      `${name.padEnd(14)} median ${m.toFixed(2).padStart(8)} ms (min ${min.toFixed(2)})  ` +
        `${(mb / (m / 1000)).toFixed(2).padStart(7)} MB/s  ${Math.round(INSTRUCTIONS / (m / 1000)).toLocaleString('en-US').padStart(10)} instructions/s`,
    );
    return m;
  };
  console.log(`${RUNS} runs each after ${WARMUP} warm-up runs (node ${process.version}):`);
  const km = report('kiln', kilnMs);
  const am = report('dockerfile-ast', astMs);
  const ratio = km <= am ? am / km : km / am;
  console.log(`ratio: kiln is ${ratio.toFixed(2)}x ${km <= am ? 'faster' : 'slower'} than dockerfile-ast`);

  const require = createRequire(import.meta.url);
  const kilnImport = coldImport(new URL('../parser/index.js', import.meta.url).href);
  const astImport = coldImport(pathToFileURL(require.resolve('dockerfile-ast')).href);
  const fmt = (v: number | string): string => (typeof v === 'number' ? `${v.toFixed(1)} ms` : v);
  console.log(
    `cold import (median of ${IMPORT_RUNS} fresh processes): dist/parser/index.js ${fmt(kilnImport)}, dockerfile-ast ${fmt(astImport)}`,
  );
  if (sink === -1) console.log(''); // keeps the results alive
}

main();
