/**
 * ADD of remote sources. An http(s) URL is downloaded into the destination
 * (https://docs.docker.com/reference/dockerfile/#adding-files-from-a-url):
 * the file name comes from Content-Disposition or the URL path (BuildKit's
 * `getFileName`), its mode is 0600 unless `--chmod`, its mtime the
 * Last-Modified header when there is one, and `--checksum` is verified
 * before the file appears. Git repositories are not supported yet.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fchownSync, futimesSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseDigest, type Digest } from '../../util/digest.js';
import { FailedPreconditionError, InvalidArgumentError, NotImplementedError, UnavailableError } from '../../util/errors.js';
import { hostPath, isDirAt, mkdirAllInRoot, parseDestination } from './dest.js';
import { cleanPath } from './go-path.js';
import { parseChmod, resolveChown } from './owner.js';
import { unpackDownloaded } from './remote-unpack.js';

/** An ADD of one URL. */
export interface AddUrlOptions {
  readonly url: string;
  /** Host path of the target rootfs. */
  readonly rootfs: string;
  readonly dest: string;
  readonly workdir?: string;
  readonly chown?: string | undefined;
  readonly chmod?: string | undefined;
  /** `--checksum`: the expected `sha256:<hex>` of the content. */
  readonly checksum?: string | undefined;
  /** `--unpack=true`: extract the download when it is a tar archive (the default for URLs is not to). */
  readonly unpack?: boolean;
  readonly signal?: AbortSignal;
}

/** What was added. */
export interface AddUrlResult {
  /** Container path of the new file. */
  readonly path: string;
  readonly digest: Digest;
  readonly size: number;
}

/** True for an http(s) URL source. */
export function isRemoteUrl(src: string): boolean {
  return /^https?:\/\//i.test(src);
}

/** True for sources BuildKit would fetch with git (`git@…`, `git://…`, `…/repo.git`, `github.com/…`). */
export function isGitUrl(src: string): boolean {
  if (/^(git@|git:\/\/|ssh:\/\/|github\.com\/)/i.test(src)) return true;
  return /^https?:\/\//i.test(src) && /\.git(#.*)?$/i.test(src);
}

/** Downloads `options.url` into the rootfs; see the file comment. */
export async function addUrl(options: AddUrlOptions): Promise<AddUrlResult> {
  const { url, rootfs, signal } = options;
  if (isGitUrl(url)) throw new NotImplementedError('ADD of a git repository');
  const expected = options.checksum === undefined ? undefined : parseDigest(options.checksum);
  const owner = options.chown !== undefined && options.chown !== '' ? await resolveChown(rootfs, options.chown) : { uid: 0, gid: 0 };
  const mode = options.chmod !== undefined && options.chmod !== '' ? parseChmod(options.chmod)(0o600, false) : 0o600;
  const res = await fetch(url, signal === undefined ? {} : { signal }).catch((err: unknown) => {
    throw new UnavailableError(`failed to load ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  if (!res.ok || res.body === null) throw new UnavailableError(`failed to load ${url}: ${res.status} ${res.statusText}`);
  const dest = parseDestination(options.dest, options.workdir);
  const destIsDir = dest.isDir || isDirAt(await hostPath(rootfs, dest.path));
  const path = destIsDir ? cleanPath(`${dest.path}/${fileName(url, res.headers.get('content-disposition'))}`) : dest.path;
  await mkdirAllInRoot(rootfs, path.slice(0, path.lastIndexOf('/')) || '/', options.chown === undefined ? undefined : owner);
  const target = await hostPath(rootfs, path);
  const tmp = `${target.slice(0, target.lastIndexOf('/'))}/.kiln-add-${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const { digest, size } = await download(res.body, fd);
    if (expected !== undefined && digest !== expected) {
      throw new InvalidArgumentError(`checksum of ${url} does not match: expected ${expected}, got ${digest}`);
    }
    if (options.unpack === true && (await unpackDownloaded(tmp, rootfs, dest.path, options.chown === undefined ? undefined : owner, signal))) {
      closeSync(fd);
      unlinkSync(tmp);
      return { path: dest.path, digest, size };
    }
    fchownSync(fd, owner.uid, owner.gid);
    fchmodSync(fd, mode);
    const mtime = lastModified(res.headers.get('last-modified'));
    if (mtime !== undefined) futimesSync(fd, mtime, mtime);
    closeSync(fd);
    if (isDirAt(target)) throw new FailedPreconditionError(`cannot replace to directory ${path} with file`);
    renameSync(tmp, target);
    return { path, digest, size };
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    unlinkSync(tmp);
    throw err;
  }
}

/** Streams the body into `fd`, hashing it. */
async function download(body: ReadableStream<Uint8Array>, fd: number): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of Readable.fromWeb(body as WebReadableStream<Uint8Array>)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
    for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
  }
  return { digest: `sha256:${hash.digest('hex')}` as Digest, size };
}

/** BuildKit's choice of name: Content-Disposition's filename, else the URL path's last element, else `index`. */
export function fileName(url: string, disposition: string | null): string {
  const m = disposition === null ? null : /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const fromHeader = m?.[1] === undefined ? '' : decodeURIComponent(m[1]);
  if (fromHeader !== '' && !fromHeader.endsWith('/')) {
    const base = fromHeader.split('/').pop() ?? '';
    if (base !== '' && base !== '.' && base !== '..') return base;
  }
  let pathname = '';
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    pathname = '';
  }
  const base = cleanPath(pathname === '' ? '/' : pathname).split('/').pop() ?? '';
  return base === '' || base === '.' || base === '..' ? 'index' : base;
}

/** The Last-Modified header as seconds since the epoch. */
function lastModified(header: string | null): number | undefined {
  if (header === null) return undefined;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : t / 1000;
}
