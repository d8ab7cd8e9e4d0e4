// The import-boundary check (run by `npm test`): every arrow between top-level
// rooms must be one ../shared/design/DESIGN.md allows, and a room is entered only
// through its index.ts (or a second face named in FACES). Tests, test kits and
// benchmarks may reach inside the room they test. Prints each violation with its
// file and line; exits 1 when there is any.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Which rooms each room may import (besides itself). Leaves first. */
export const ALLOWED = {
  util: [],
  oci: ['util'],
  parser: ['util'],
  cache: ['oci', 'util'],
  store: ['cache', 'oci', 'util'],
  registry: ['store', 'cache', 'oci', 'util'],
  executor: ['cache', 'oci', 'util'],
  solver: ['oci', 'util'],
  remotecache: ['solver', 'registry', 'store', 'cache', 'executor', 'oci', 'util'],
  containers: ['executor', 'registry', 'store', 'cache', 'oci', 'util'],
  frontend: ['parser', 'solver', 'remotecache', 'executor', 'registry', 'store', 'cache', 'oci', 'util'],
  cli: ['frontend', 'containers', 'parser', 'solver', 'remotecache', 'executor', 'registry', 'store', 'cache', 'oci', 'util'],
};

/** Rooms with no single face: one purpose per file, imported file by file. */
const OPEN = new Set(['util', 'oci']);

/** Second faces, each named in its room's header: start-up-light entries. */
const FACES = new Set(['parser/runtime.js', 'frontend/options.js', 'containers/flags.js', 'remotecache/spec.js']);

/** Folders that are not rooms of the library. */
const OUTSIDE = new Set(['scripts', 'bench', 'testdata', 'bin', 'dist', 'node_modules', '.git', '.ci']);

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (OUTSIDE.has(e.name) && dir === root) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const isTestFile = (rel) => /(\.test|\.testsuite|\.testkit)\.ts$|(^|\/)test-[^/]*\.ts$|(^|\/)testkit[^/]*\.ts$|(^|\/)testsuite[^/]*\.ts$/.test(rel);

export function check() {
  const problems = [];
  const rooms = new Set(Object.keys(ALLOWED));
  for (const file of walk(root)) {
    const rel = relative(root, file);
    const room = rel.split('/')[0];
    if (!rel.includes('/')) continue;
    if (!rooms.has(room)) {
      problems.push(`${rel}: folder ${room}/ is not a room of DESIGN.md's layout (add it to scripts/check-imports.mjs with its arrows)`);
      continue;
    }
    const test = isTestFile(rel);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/g)) {
        const target = relative(root, resolve(dirname(file), m[1] ?? ''));
        const troom = target.split('/')[0];
        if (troom === room) continue;
        const at = `${rel}:${i + 1}`;
        if (!rooms.has(troom)) {
          problems.push(`${at}: imports ${target}, outside the rooms`);
          continue;
        }
        if (!test && !ALLOWED[room].includes(troom)) problems.push(`${at}: ${room} must not import ${troom} (${target})`);
        const face = target === `${troom}/index.js` || FACES.has(target) || OPEN.has(troom);
        if (!face && !test) problems.push(`${at}: enters ${troom}/ past its face (${target}); import ${troom}/index.js`);
      }
    });
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = check();
  for (const p of problems) process.stdout.write(`${p}\n`);
  process.stdout.write(`import boundaries: ${problems.length === 0 ? 'ok' : `${problems.length} violations`}\n`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
