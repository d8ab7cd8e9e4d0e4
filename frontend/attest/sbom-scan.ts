/**
 * Finds the package databases of a rootfs (a host directory: the final
 * image's mounted snapshot) and reads them. Every file is opened through the
 * root-confined resolver (util/root-path.ts), so a database that is a symlink
 * (`/var/lib/dpkg/status -> /etc/shadow`, or `../../../..` climbing) is read
 * inside the rootfs as a container would see it, never on the host. The walk
 * for Python and npm metadata never follows a symlink.
 */
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveInRoot } from '../../util/root-path.js';
import { readApkInstalled, readDpkgStatus, readNpmPackage, readPythonMetadata, type FoundPackage } from './sbom-db.js';

/** Largest database file read (a dpkg status of a big image is a few MB). */
const MAX_DB_BYTES = 64 << 20;
/** Largest metadata file of one Python or npm package. */
const MAX_META_BYTES = 4 << 20;
/** Directory entries visited at most, so a huge rootfs cannot make the scan unbounded. */
const MAX_ENTRIES = 2_000_000;
/** Top-level directories that hold no installed packages (and may be huge or special). */
const SKIP_TOP = new Set(['proc', 'sys', 'dev', 'run', 'tmp']);

/** The text of `path` (inside `root`), or undefined when it is missing, not a regular file or too large. */
export async function readInRoot(root: string, path: string, max: number): Promise<string | undefined> {
  const host = await resolveInRoot(root, path);
  let fh;
  try {
    // O_NOFOLLOW: the resolver already followed every link inside the root; a link appearing since is refused.
    fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR') return undefined;
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > max) return undefined;
    return (await fh.readFile()).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Every package the rootfs's databases list, sorted by kind, name and version. */
export async function scanPackages(root: string): Promise<FoundPackage[]> {
  const out: FoundPackage[] = [];
  const dpkg = await readInRoot(root, '/var/lib/dpkg/status', MAX_DB_BYTES);
  if (dpkg !== undefined) out.push(...readDpkgStatus(dpkg, '/var/lib/dpkg/status'));
  const apk = await readInRoot(root, '/lib/apk/db/installed', MAX_DB_BYTES);
  if (apk !== undefined) out.push(...readApkInstalled(apk, '/lib/apk/db/installed'));
  for (const path of await findMetadata(root)) {
    const text = await readInRoot(root, path, MAX_META_BYTES);
    if (text === undefined) continue;
    out.push(...(path.endsWith('/package.json') ? readNpmPackage(text, path) : readPythonMetadata(text, path)));
  }
  const key = (p: FoundPackage): string => `${p.kind}\0${p.name}\0${p.version}\0${p.location}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Paths (inside the rootfs) of Python `METADATA`/`PKG-INFO` and npm `package.json` files, found without following symlinks. */
async function findMetadata(root: string): Promise<string[]> {
  const found: string[] = [];
  let budget = MAX_ENTRIES;
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    budget -= entries.length;
    if (budget < 0) return;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = `${rel}/${e.name}`;
      if (rel === '' && SKIP_TOP.has(e.name)) continue;
      if (e.name.endsWith('.dist-info') && e.isDirectory()) found.push(`${path}/METADATA`);
      else if (e.name.endsWith('.egg-info')) found.push(e.isDirectory() ? `${path}/PKG-INFO` : path);
      else if (e.name === 'node_modules' && e.isDirectory()) found.push(...(await npmPackages(root, path)));
      if (e.isDirectory() && !e.name.endsWith('.dist-info') && !e.name.endsWith('.egg-info')) await walk(path);
    }
  };
  await walk('');
  return found;
}

/** `node_modules/NAME/package.json` and `node_modules/@SCOPE/NAME/package.json` (nested node_modules are found by the walk). */
async function npmPackages(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  const list = async (rel: string) => readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
  for (const e of await list(dir)) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    if (!e.name.startsWith('@')) {
      out.push(`${dir}/${e.name}/package.json`);
      continue;
    }
    for (const s of await list(`${dir}/${e.name}`)) if (s.isDirectory()) out.push(`${dir}/${e.name}/${s.name}/package.json`);
  }
  return out;
}
