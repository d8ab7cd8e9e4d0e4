/**
 * Git sources, cloned with the system `git` as BuildKit's git source does:
 * `URL[#REF][:SUBDIR]` (a branch, tag or commit; a directory of the
 * repository). Used for a git build context and (later) ADD of a repository.
 * https://docs.docker.com/build/concepts/context/#git-repositories
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '../../util/errors.js';
import { resolveInRoot } from '../../util/root-path.js';

const run = promisify(execFile);

/** A git source split into its parts. */
export interface GitRef {
  readonly url: string;
  readonly ref: string | undefined;
  readonly subdir: string | undefined;
}

/** Whether a build context argument is a git repository (`file://` ones included). */
export function isGitContext(arg: string): boolean {
  if (/^file:\/\//i.test(arg)) return true;
  if (/^(git@|git:\/\/|ssh:\/\/|github\.com\/)/i.test(arg)) return true;
  return /^https?:\/\//i.test(arg) && /\.git$/i.test(arg.split('#')[0] ?? '');
}

/** `URL#REF:SUBDIR` → its parts. */
export function parseGitRef(spec: string): GitRef {
  const hash = spec.indexOf('#');
  if (hash < 0) return { url: spec, ref: undefined, subdir: undefined };
  const frag = spec.slice(hash + 1);
  const colon = frag.indexOf(':');
  const ref = (colon < 0 ? frag : frag.slice(0, colon)) || undefined;
  const subdir = colon < 0 ? undefined : frag.slice(colon + 1) || undefined;
  if (ref !== undefined && (ref.startsWith('-') || /\s/.test(ref))) throw new InvalidArgumentError(`invalid git reference ${JSON.stringify(ref)} in ${spec}`);
  return { url: spec.slice(0, hash), ref, subdir };
}

/**
 * Clones `src` into the new directory `dest` (without `.git` unless
 * `keepGitDir`); returns the directory the source designates (SUBDIR
 * resolved inside the clone, so a symlink in the repository cannot lead out).
 */
export async function cloneGit(src: GitRef, dest: string, options: { keepGitDir?: boolean; signal?: AbortSignal } = {}): Promise<string> {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' };
  const git = async (args: readonly string[], cwd?: string): Promise<void> => {
    try {
      await run('git', ['-c', 'advice.detachedHead=false', ...args], { env, ...(cwd === undefined ? {} : { cwd }), ...(options.signal === undefined ? {} : { signal: options.signal }), maxBuffer: 16 << 20 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new FailedPreconditionError('git not found: apt-get install git', { cause: err });
      throw new UnavailableError(`git ${args[0] ?? ''} ${src.url}${src.ref === undefined ? '' : `#${src.ref}`}: ${(e.stderr ?? e.message).trim().split('\n').pop() ?? ''}`, { cause: err });
    }
  };
  if (src.ref === undefined) {
    await git(['clone', '--quiet', '--depth', '1', '--recurse-submodules', '--', src.url, dest]);
  } else {
    // A branch or tag clones shallow; any other ref (a commit) needs the history to check out.
    await git(['clone', '--quiet', '--depth', '1', '--recurse-submodules', '--branch', src.ref, '--', src.url, dest]).catch(async () => {
      await rm(dest, { recursive: true, force: true });
      await git(['clone', '--quiet', '--no-checkout', '--', src.url, dest]);
      await git(['checkout', '--quiet', src.ref ?? '', '--'], dest);
      await git(['submodule', 'update', '--quiet', '--init', '--recursive'], dest);
    });
  }
  if (options.keepGitDir !== true) await rm(join(dest, '.git'), { recursive: true, force: true });
  return src.subdir === undefined ? dest : resolveInRoot(dest, src.subdir);
}

/** The commit `src` designates now (`git ls-remote`), for a cache key that changes when the branch moves. */
export async function resolveGitCommit(src: GitRef, signal?: AbortSignal): Promise<string> {
  if (src.ref !== undefined && /^[0-9a-f]{40}$/i.test(src.ref)) return src.ref.toLowerCase();
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' };
  const ref = src.ref ?? 'HEAD';
  let out: string;
  try {
    out = (await run('git', ['ls-remote', '--', src.url, ref, `refs/tags/${ref}^{}`], { env, ...(signal === undefined ? {} : { signal }) })).stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new FailedPreconditionError('git not found: apt-get install git', { cause: err });
    throw new UnavailableError(`git ls-remote ${src.url}: ${(e.stderr ?? e.message).trim().split('\n').pop() ?? ''}`, { cause: err });
  }
  const lines = out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  // An annotated tag's peeled line (^{}) names the commit; otherwise the ref's own line.
  const hit = lines.find((l) => l[1]?.endsWith('^{}')) ?? lines[0];
  if (hit?.[0] === undefined) throw new UnavailableError(`git ${src.url}: no ref ${JSON.stringify(ref)} (a branch or tag; a commit must be given as its full 40-hex id)`);
  return hit[0];
}
