/**
 * Parse results remembered by the Dockerfile's content: a rebuild of an
 * unchanged Dockerfile neither loads the syntax parser (chevrotain) nor
 * builds its grammar. Entries are plain JSON under `<root>/cache/parse/`,
 * keyed by sha256 of kiln's version, the file name and the text.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dockerfile, Stages } from '../../parser/runtime.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { sha256 } from '../../util/digest.js';

/** Bump when the AST or stage shapes change, so old entries are ignored. */
const FORMAT = 'kiln-parse-v1';

/**
 * Larger Dockerfiles are parsed every time: their cached JSON is ~70-120x the
 * text, and writing and reading it back costs more than the parse it saves
 * (100,000 ENV lines: 1.3 s to parse, 2.6 s to write the 187 MB entry, 3 s to
 * read it). Real Dockerfiles are a few KiB and stay cached.
 */
const MAX_CACHED_TEXT = 256 * 1024;

/** A parsed Dockerfile with its stages. */
export interface Parsed {
  readonly df: Dockerfile;
  readonly stages: Stages;
}

/** The parse of `text`, from the cache when possible; syntax errors are never cached. */
export async function parseCached(dir: string, dockerfile: { filename: string; text: string }): Promise<Parsed> {
  if (dockerfile.text.length > MAX_CACHED_TEXT) return parseNow(dockerfile);
  const key = sha256(`${FORMAT}\0${dockerfile.filename}\0${dockerfile.text}`).slice(7);
  const path = join(dir, `${key}.json`);
  const hit = await readFile(path, 'utf8')
    .then((t) => JSON.parse(t) as Parsed)
    .catch(() => undefined);
  if (hit !== undefined && hit.df?.kind === 'dockerfile' && Array.isArray(hit.stages?.stages)) return hit;
  const parsed = await parseNow(dockerfile);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path, JSON.stringify(parsed), 0o644, { durable: false }).catch(() => undefined);
  return parsed;
}

async function parseNow(dockerfile: { filename: string; text: string }): Promise<Parsed> {
  const { parse, parseStages } = await import('../../parser/index.js');
  const df = parse(dockerfile.text, { filename: dockerfile.filename });
  return { df, stages: parseStages(df) };
}
