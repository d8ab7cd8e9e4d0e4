/**
 * Reading the Dockerfile of a build. As BuildKit (dockerui, moby/moby#10858):
 * a file named `Dockerfile` that is missing falls back to `dockerfile` in the
 * same directory; the build still calls it by the name it was asked for
 * (messages, `Dockerfile.dockerignore`).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FailedPreconditionError, NotFoundError } from '../util/errors.js';
import { isNotExist } from '../util/if-exists.js';

const DEFAULT_NAME = 'Dockerfile';

/** The text of the Dockerfile at `path` (`name`: how messages call it). */
export async function readDockerfile(path: string, name: string): Promise<string> {
  const read = (p: string): Promise<string> => readFile(p, 'utf8');
  try {
    return await read(path).catch((err: unknown) => {
      if (isNotExist(err) && basename(path) === DEFAULT_NAME) return read(join(dirname(path), DEFAULT_NAME.toLowerCase())).catch(() => Promise.reject(err));
      throw err;
    });
  } catch (err) {
    if (isNotExist(err)) throw new NotFoundError(`dockerfile ${name}: no such file`, { cause: err });
    throw new FailedPreconditionError(`dockerfile ${name}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}
