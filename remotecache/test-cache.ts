/**
 * What the two cache e2e files (local and registry) share: the two-stage
 * Dockerfile, a kiln fixture without SOURCE_DATE_EPOCH (image ids must match
 * through the cache's own step times), and helpers to read a build's output.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kilnFixture, type KilnRun } from '../util/test-kiln.js';

const DOCKERFILE = [
  'FROM bb AS build',
  'WORKDIR /src',
  'COPY msg.txt .',
  'RUN tr a-z A-Z < msg.txt > out.txt && echo ran-build',
  '',
  'FROM bb',
  'WORKDIR /app',
  'COPY --from=build /src/out.txt .',
  'RUN cat out.txt > copy.txt && echo ran-final',
  '',
].join('\n');

/** The fixture and helpers of one cache e2e file named `name`. */
export function cacheKit(name: string) {
  const fx = kilnFixture(name, { env: { SOURCE_DATE_EPOCH: undefined } });
  const { tmp } = fx;
  const ctxDir = join(tmp, 'ctx');
  const kiln = (root: string, args: string[]): KilnRun => fx.kiln(args, { root });
  const stepOutput = (out: string): string[] => out.match(/^#\d+ \d+\.\d+ .*$/gm) ?? [];
  return {
    fx,
    tmp,
    ctxDir,
    kiln,
    build: (root: string, ...extra: string[]): KilnRun => kiln(root, ['build', '--progress', 'plain', ...extra, ctxDir]),
    cached: (out: string): number => (out.match(/^#\d+ CACHED$/gm) ?? []).length,
    stepOutput,
    /** A RUN printed `word` (its output line, not its step name). */
    printed: (out: string, word: string): boolean => stepOutput(out).some((l) => l.endsWith(` ${word}`)),
    iid: (file: string): Promise<string> => readFile(join(tmp, file), 'utf8'),
    /** A new empty root holding only the base image, loaded from A's `kiln save`. */
    emptyRoot: async (rootName: string): Promise<string> => {
      const root = join(tmp, rootName);
      await fx.baseImage(root);
      return root;
    },
    /** Root A with the base image, and the build context. */
    setUp: async (): Promise<void> => {
      await fx.baseImage(join(tmp, 'a'));
      await mkdir(ctxDir);
      await writeFile(join(ctxDir, 'Dockerfile'), DOCKERFILE);
      await writeFile(join(ctxDir, 'msg.txt'), 'shout\n');
    },
  };
}
