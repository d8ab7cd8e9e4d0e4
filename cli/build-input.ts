/**
 * Where `kiln build` reads its Dockerfile and context, as `docker build` does:
 * a context directory (`-f FILE` or CONTEXT/Dockerfile), `-f -` (the
 * Dockerfile on stdin), or `-` as the context: a tar (plain or compressed)
 * on stdin holding the context, or a Dockerfile alone with an empty context.
 * Stdin is spooled to a private temp dir and extracted there with the
 * root-confined extractor ADD uses, so no entry lands outside it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { archiveCompression, cloneGit, extractArchive, isGitContext, parseGitRef } from '../frontend/index.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../util/errors.js';
import { ifExists } from '../util/if-exists.js';
import { readDockerfile } from './dockerfile-read.js';
import { resolveInRoot } from '../util/root-path.js';

/** The build's context and Dockerfile. */
export interface BuildInput {
  /** The context directory (absolute). */
  readonly contextDir: string;
  /** The Dockerfile's host path (where `Dockerfile.dockerignore` is looked for). */
  readonly dockerfilePath: string;
  /** The name errors give the Dockerfile. */
  readonly filename: string;
  readonly text: string;
  /** Removes what stdin was spooled into. */
  cleanup(): Promise<void>;
}

/** Resolves CONTEXT and `-f`; `stdin` is read only when one of them is `-`. */
export async function buildInput(contextArg: string, file: string | undefined, stdin: Readable): Promise<BuildInput> {
  if (contextArg === '-' && file === '-') throw new InvalidArgumentError('invalid argument: cannot read both the build context and the Dockerfile (-f -) from stdin');
  if (contextArg === '-') return stdinContext(file, stdin);
  if (isGitContext(contextArg)) return gitContext(contextArg, file);
  const contextDir = await contextDirectory(contextArg);
  if (file === '-') {
    const text = await readStream(stdin);
    // No host file: a Dockerfile.dockerignore next to it cannot exist.
    return { contextDir, dockerfilePath: join(contextDir, '.kiln-stdin-Dockerfile'), filename: 'Dockerfile', text, cleanup: async () => undefined };
  }
  const dockerfilePath = file === undefined ? join(contextDir, 'Dockerfile') : isAbsolute(file) ? file : resolve(file);
  const text = await readDockerfile(dockerfilePath, file ?? join(contextArg, 'Dockerfile'));
  return { contextDir, dockerfilePath, filename: file ?? 'Dockerfile', text, cleanup: async () => undefined };
}

async function contextDirectory(contextArg: string): Promise<string> {
  const contextDir = resolve(contextArg);
  const st = await ifExists(stat(contextDir)).catch((err: unknown) => {
    throw new FailedPreconditionError(`build context ${contextArg}: cannot stat it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  });
  if (st === undefined) throw new NotFoundError(`build context ${contextArg}: no such directory`);
  if (!st.isDirectory()) throw new InvalidArgumentError(`build context ${contextArg}: not a directory`);
  return contextDir;
}

/** A git repository as the context (`URL#REF:SUBDIR`); `-f` is a path inside it. */
async function gitContext(contextArg: string, file: string | undefined): Promise<BuildInput> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-git-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const contextDir = await cloneGit(parseGitRef(contextArg), join(dir, 'repo'));
    const st = await ifExists(stat(contextDir));
    if (st?.isDirectory() !== true) throw new NotFoundError(`build context ${contextArg}: no such directory in the repository`);
    const name = file ?? 'Dockerfile';
    if (isAbsolute(name)) throw new InvalidArgumentError(`-f ${name}: with a git context, the Dockerfile is a path inside the repository`);
    const dockerfilePath = await resolveInRoot(contextDir, name);
    const text = await readDockerfile(dockerfilePath, `${name} (in ${contextArg})`);
    return { contextDir, dockerfilePath, filename: name, text, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** `-` as the context: a tar of the context, or a Dockerfile alone. */
async function stdinContext(file: string | undefined, stdin: Readable): Promise<BuildInput> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-stdin-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const spool = join(dir, 'stdin');
    await pipeline(stdin, createWriteStream(spool, { mode: 0o600 }));
    const contextDir = join(dir, 'context');
    await mkdir(contextDir, { mode: 0o700 });
    const compression = await archiveCompression(spool);
    if (compression === undefined) {
      // A Dockerfile alone: the context is empty (-f does not apply, as in docker).
      const text = await readFile(spool, 'utf8');
      return { contextDir, dockerfilePath: join(dir, 'Dockerfile'), filename: 'Dockerfile', text, cleanup };
    }
    await extractArchive(spool, compression, contextDir);
    await rm(spool);
    const name = file ?? 'Dockerfile';
    if (isAbsolute(name)) throw new InvalidArgumentError(`-f ${name}: with the context on stdin, the Dockerfile is a path inside that tar`);
    const dockerfilePath = await resolveInRoot(contextDir, name);
    const text = await readDockerfile(dockerfilePath, `${name} (in the context tar)`);
    return { contextDir, dockerfilePath, filename: name, text, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function readStream(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}
