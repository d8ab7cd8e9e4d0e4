/**
 * Structural and safety checks of a layer or rootfs tar while it streams past:
 * a valid tar (not truncated), no absolute names, no `..` escaping the root,
 * no entry written through a symlink the same tar created, no hardlink that
 * escapes or points through such a symlink. Errors name the entry.
 */
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { InvalidArgumentError } from '../../util/errors.js';
import type { Readable } from 'node:stream';

/** Normalizes a tar entry name to a root-relative path, or throws naming it. */
export function safeEntryPath(name: string, what = 'entry'): string {
  if (name.startsWith('/')) throw new InvalidArgumentError(`tar ${what} ${JSON.stringify(name)}: absolute path not allowed`);
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) throw new InvalidArgumentError(`tar ${what} ${JSON.stringify(name)}: path escapes the root`);
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

/** Tracks symlinks a tar creates so later entries cannot write through them. */
export class TarEntryChecker {
  readonly #symlinks = new Set<string>();
  count = 0;

  check(h: Header): void {
    this.count++;
    const path = safeEntryPath(h.name);
    this.#throughSymlink(path, h.name);
    if (h.type === 'link') {
      const target = safeEntryPath(h.linkname ?? '', `hardlink ${JSON.stringify(h.name)} target`);
      this.#throughSymlink(target, h.name);
      if (this.#symlinks.has(target)) return;
    }
    if (h.type === 'symlink') this.#symlinks.add(path);
    else this.#symlinks.delete(path);
  }

  #throughSymlink(path: string, name: string): void {
    let prefix = '';
    const parts = path.split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = prefix === '' ? (parts[i] ?? '') : `${prefix}/${parts[i] ?? ''}`;
      if (this.#symlinks.has(prefix)) {
        throw new InvalidArgumentError(`tar entry ${JSON.stringify(name)}: writes through the symlink ${JSON.stringify(prefix)} created by the same tar`);
      }
    }
  }
}

/** Reads a whole tar stream, checking every entry; resolves with the entry count. */
export async function checkTar(source: Readable | AsyncIterable<Uint8Array>, label: string): Promise<number> {
  const checker = new TarEntryChecker();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    try {
      checker.check(header);
    } catch (err) {
      stream.resume();
      ex.destroy(err as Error);
      return;
    }
    stream.on('end', next);
    stream.resume();
  });
  try {
    await pipeline(source, ex);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new InvalidArgumentError(`${label}: ${err.message}`, { cause: err });
    const msg = err instanceof Error ? err.message : String(err);
    throw new InvalidArgumentError(`${label}: not a valid tar (${msg}) after ${checker.count} entries`, { cause: err });
  }
  return checker.count;
}
