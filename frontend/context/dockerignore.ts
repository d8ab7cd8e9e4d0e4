/**
 * `.dockerignore`: which context paths are left out of the build context.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 *
 * The file is read like moby/patternmatcher's `ignorefile.ReadAll`; matching
 * is {@link PatternMatcher}'s. As with BuildKit, a `<Dockerfile>.dockerignore`
 * beside the Dockerfile replaces the context's `.dockerignore`, and excluded
 * paths are simply absent from the context, the Dockerfile and the ignore
 * file included (the Dockerfile is read separately).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { cleanPath } from './go-path.js';
import { PatternMatcher } from './patternmatcher.js';

/** The patterns of an ignore file and where they came from. */
export interface IgnoreFile {
  /** Host path of the file that was read, or undefined when there is none. */
  readonly path: string | undefined;
  /** Cleaned patterns in file order; exceptions keep their `!`. */
  readonly patterns: readonly string[];
}

/**
 * Parses ignore-file text: a UTF-8 BOM is dropped, lines starting with `#`
 * are comments, surrounding whitespace is trimmed, each pattern (after any
 * `!`) is cleaned and a leading `/` removed, so `/foo/../bar` is `bar`.
 */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  }
  return out;
}

/**
 * Reads the ignore file for a build: `<dockerfile>.dockerignore` when
 * `dockerfile` (a host path) is given and that file exists, else
 * `<contextDir>/.dockerignore`, else no patterns.
 */
export async function readDockerignore(contextDir: string, dockerfile?: string): Promise<IgnoreFile> {
  const candidates = dockerfile === undefined ? [] : [join(dirname(dockerfile), `${basename(dockerfile)}.dockerignore`)];
  candidates.push(join(contextDir, '.dockerignore'));
  for (const path of candidates) {
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (text !== undefined) return { path, patterns: parseDockerignore(text) };
  }
  return { path: undefined, patterns: [] };
}

/**
 * A matcher for ignore patterns, or undefined when there are none. Throws
 * InvalidArgumentError for a malformed pattern, naming the file.
 */
export function ignoreMatcher(file: IgnoreFile): PatternMatcher | undefined {
  if (file.patterns.length === 0) return undefined;
  try {
    return new PatternMatcher(file.patterns);
  } catch (err) {
    if (file.path === undefined || !(err instanceof Error)) throw err;
    err.message = `${file.path}: ${err.message}`;
    throw err;
  }
}
