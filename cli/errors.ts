import { codeFrame } from './code-frame.js';
import { KilnError } from '../util/errors.js';
import { rootless } from '../util/rootless.js';

/** Source texts by file name, so a located error can show its lines. */
export type SourceLookup = (filename: string) => string | undefined;

interface Located {
  readonly filename: string;
  readonly range: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/** True for a kiln error that names a file and a range in it. */
export function isLocated(err: unknown): err is Error & Located {
  return err instanceof KilnError && 'filename' in err && 'range' in err;
}

/**
 * The text printed for a failed command: the message, a code frame when the
 * error points into a known source, and the stack only with `--debug`.
 */
export function formatError(err: unknown, opts: { debug: boolean; sources: SourceLookup }): string {
  const message = err instanceof Error ? err.message : String(err);
  let out = `error: ${message}`;
  if (isLocated(err)) {
    const text = opts.sources(err.filename);
    const frame = text === undefined ? '' : codeFrame(text, err.range);
    if (frame !== '') out += `\n\n${frame}`;
  }
  out += unmappedIdHint(err);
  if (opts.debug && err instanceof Error && err.stack !== undefined) out += `\n\n${err.stack}`;
  return out;
}

/**
 * Rootless with only the user mapped (no subordinate range), a chown to any
 * other id fails with EINVAL deep in a copy or a layer: say why and the fix.
 */
function unmappedIdHint(err: unknown): string {
  const rl = rootless();
  if (rl?.mapping !== 'self') return '';
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const { code, syscall } = e as NodeJS.ErrnoException;
    if (code === 'EINVAL' && syscall !== undefined && syscall.includes('chown')) {
      return (
        `\nrootless kiln maps only your own uid (as 0) because ${rl.user} has no subordinate ids in /etc/subuid and /etc/subgid, ` +
        `so files cannot belong to other users; as root, run: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${rl.user}`
      );
    }
  }
  return '';
}

/** True for errors kiln raises on purpose (shown without a stack trace). */
export function isExpected(err: unknown): boolean {
  return err instanceof KilnError || unmappedIdHint(err) !== '';
}
