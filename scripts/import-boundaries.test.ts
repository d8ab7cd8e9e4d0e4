// The import-boundary check of scripts/check-imports.mjs, as a test: every arrow between
// rooms is one DESIGN.md allows, and rooms are entered through their faces.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../util/test-paths.js';

const test = suite('import boundaries');

interface Checker {
  check(): string[];
  ALLOWED: Record<string, string[]>;
}

const load = (): Promise<Checker> => import(pathToFileURL(join(repoRoot(), 'scripts', 'check-imports.mjs')).href) as Promise<Checker>;

test('no import crosses a boundary DESIGN.md forbids or enters a room past its face', async () => {
  const { check } = await load();
  assert.equal(check(), []);
});

test('every room has rules, and the arrows run one way (no cycle between rooms)', async () => {
  const { ALLOWED } = await load();
  const seen = new Set<string>();
  const visit = (room: string, path: string[]): void => {
    assert.not.ok(path.includes(room), `cycle: ${[...path, room].join(' -> ')}`);
    if (seen.has(`${path.join('>')}>${room}`)) return;
    seen.add(`${path.join('>')}>${room}`);
    for (const next of ALLOWED[room] ?? []) {
      assert.ok(next in ALLOWED, `${room} may import ${next}, which has no rules`);
      visit(next, [...path, room]);
    }
  };
  for (const room of Object.keys(ALLOWED)) visit(room, []);
});

test('every room is compiled (tsconfig include), so its tests run', async () => {
  const { ALLOWED } = await load();
  const { readFileSync } = await import('node:fs');
  const include = (JSON.parse(readFileSync(join(repoRoot(), 'tsconfig.json'), 'utf8')) as { include: string[] }).include;
  for (const room of Object.keys(ALLOWED)) assert.ok(include.includes(room), `tsconfig.json does not include ${room}/`);
});

test.run();
