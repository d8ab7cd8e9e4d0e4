/**
 * Helpers for the layer tests: temp dirs, a fixture tree with every kind of
 * entry, and a comparable snapshot of a tree's metadata and content.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, readlink, rm, symlink, truncate, link, utimes, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { TarHeader } from './tar-header.js';
import { readTar } from './tar-reader.js';
import { sortedNames, childPath } from './sorted-names.js';
import { readXattrs } from './xattrs.js';
import { rootReady } from '../../util/test-e2e.js';

/** Runs a command, resolving with its stdout. */
export const run = promisify(execFile);

/** The capability value `cap_net_bind_service=ep` (VFS_CAP_REVISION_2). */
export const CAP_HEX = '0100000200040000000000000000000000000000';

/** A fresh `kiln-test-*` directory under the system temp dir. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kiln-test-'));
}

/** Removes a temp dir made by {@link tempDir}. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A long name segment of `n` bytes. */
export function longName(prefix: string, n: number): string {
  return prefix + 'x'.repeat(n - prefix.length);
}

/**
 * Fills `dir` with files, dirs, symlinks, hardlinks, a setuid file, long names,
 * a fifo and a 50 MiB sparse file; as root also devices, foreign and big
 * owners, and a file with a capability.
 */
export async function makeFixture(dir: string): Promise<void> {
  await mkdir(join(dir, 'etc/deep/er'), { recursive: true });
  await writeFile(join(dir, 'etc/hosts'), '127.0.0.1 localhost\n');
  await writeFile(join(dir, 'etc/deep/er/conf'), 'x=1\n');
  await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'héllo wörld'), 'unicode\n');
  await mkdir(join(dir, 'bin'));
  await writeFile(join(dir, 'bin/su'), '#!/bin/sh\n');
  await chmod(join(dir, 'bin/su'), 0o4755);
  await writeFile(join(dir, 'bin/ping'), 'ping\n');
  await link(join(dir, 'bin/su'), join(dir, 'bin/su-link'));
  await symlink('../etc/hosts', join(dir, 'bin/hosts-link'));
  await symlink('/nowhere/absolute', join(dir, 'dangling'));
  const deep = join(dir, longName('long-dir-', 90), longName('inner-', 60));
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, longName('file-', 120)), 'long\n');
  await symlink(longName('../target-', 150), join(dir, 'long-symlink'));
  await link(join(deep, longName('file-', 120)), join(dir, longName('hardlink-to-long-', 110)));
  await mkdir(join(dir, 'tmp'));
  await chmod(join(dir, 'tmp'), 0o1777);
  await mkdir(join(dir, 'private'));
  await chmod(join(dir, 'private'), 0o2750);
  await writeFile(join(dir, 'private/owned'), 'owned\n');
  await writeFile(join(dir, 'private/big-ids'), 'ids\n');
  await run('mknod', [join(dir, 'fifo'), 'p']);
  await writeFile(join(dir, 'sparse'), '');
  await truncate(join(dir, 'sparse'), 50 << 20);
  const fh = await open(join(dir, 'sparse'), 'r+');
  await fh.write(Buffer.from('z'), 0, 1, 30 << 20);
  await fh.close();
  await utimes(join(dir, 'etc/hosts'), 1_600_000_000.5, 1_500_000_000.25);
  if (isRoot()) await addRootOnly(dir);
}

async function addRootOnly(dir: string): Promise<void> {
  await run('setfattr', ['-n', 'security.capability', '-v', `0x${CAP_HEX}`, join(dir, 'bin/ping')]);
  await chown(join(dir, 'private/owned'), 1234, 5678);
  await chown(join(dir, 'private'), 1000, 1000);
  await chown(join(dir, 'private/big-ids'), 3_000_000, 4_000_000);
  await run('mknod', ['-m', '0640', join(dir, 'null-dev'), 'c', '1', '3']);
  await run('mknod', ['-m', '0600', join(dir, 'blk-dev'), 'b', '7', '200']);
}

/** A comparable description of every entry under `root` (not the root itself). */
export async function snapshotTree(root: string, opts: { mtimes?: boolean } = {}): Promise<Record<string, string>> {
  const caps = await readXattrs(root, '^security\\.capability$');
  const firstByInode = new Map<string, string>();
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const name of await sortedNames(dir === '' ? root : join(root, dir), dir)) {
      const rel = childPath(dir, name);
      const abs = join(root, rel);
      const st = await lstat(abs, { bigint: true });
      const key = `${st.dev}:${st.ino}`;
      const first = firstByInode.get(key) ?? rel;
      firstByInode.set(key, first);
      const fields: Record<string, unknown> = { mode: st.mode.toString(8), uid: Number(st.uid), gid: Number(st.gid) };
      if (st.isFile()) Object.assign(fields, { size: Number(st.size), sha256: await hashFile(abs), inode: first });
      if (st.isSymbolicLink()) fields.target = await readlink(abs);
      if (st.isCharacterDevice() || st.isBlockDevice()) fields.rdev = Number(st.rdev);
      const cap = caps.get(rel)?.get('security.capability');
      if (cap !== undefined) fields.cap = cap.toString('hex');
      if (opts.mtimes !== false && !st.isSymbolicLink()) fields.mtime = Number(st.mtimeNs / 1_000_000_000n);
      out[rel] = JSON.stringify(fields);
      if (st.isDirectory()) await walk(rel);
    }
  };
  await walk('');
  return out;
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Collects a (small) stream into one buffer. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** The entry names of a tar, in order, with `/` after directories. */
export async function tarNames(tar: Buffer): Promise<string[]> {
  return (await tarHeaders(tar)).map((h) => (h.type === 'dir' ? `${h.name}/` : h.name));
}

/** The entry headers of a tar, in order. */
export async function tarHeaders(tar: Buffer): Promise<TarHeader[]> {
  const headers: TarHeader[] = [];
  for await (const e of readTar(Readable.from([tar]))) headers.push(e.header);
  return headers;
}

/**
 * True when running as root (needed for foreign owners, devices, security
 * xattrs and mounts); otherwise the shared gate reports those cases skipped.
 */
export function isRoot(): boolean {
  return rootReady('layer tests: root-only cases (foreign owners, devices, security xattrs)');
}
