/**
 * Readers of the package databases an image's rootfs keeps, each a pure
 * function of the file's text: dpkg's status file, apk's installed database,
 * Python's `*.dist-info/METADATA` and `*.egg-info/PKG-INFO`, and npm's
 * `package.json` under `node_modules`. kiln reads them itself: no SBOM generator
 * (syft and the like) is installable here.
 */

export type PackageKind = 'deb' | 'apk' | 'python' | 'npm';

/** A package found in a database. */
export interface FoundPackage {
  readonly kind: PackageKind;
  readonly name: string;
  readonly version: string;
  readonly arch?: string;
  /** As the database states it (a license expression or free text). */
  readonly license?: string;
  /** The maintainer or author, as written. */
  readonly supplier?: string;
  /** The database file it came from, in the rootfs (`/var/lib/dpkg/status`). */
  readonly location: string;
}

/** Splits a dpkg/apk/RFC 822 style text into paragraphs of fields (continuation lines folded in). */
function paragraphs(text: string, sep: ':' | 'apk'): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (cur.size > 0) out.push(cur);
      cur = new Map();
      last = undefined;
      continue;
    }
    if (sep === ':' && /^[ \t]/.test(line)) {
      if (last !== undefined) cur.set(last, `${cur.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i);
    // apk fields are `K:value`; RFC 822 ones `Key: value`. A repeated field keeps its first value.
    if (!cur.has(last)) cur.set(last, sep === 'apk' ? line.slice(i + 1) : line.slice(i + 1).trim());
  }
  if (cur.size > 0) out.push(cur);
  return out;
}

const opt = <K extends string>(key: K, v: string | undefined): { [P in K]?: string } => (v === undefined || v === '' ? {} : ({ [key]: v } as { [P in K]?: string }));

/** dpkg's `/var/lib/dpkg/status`: every paragraph whose Status says installed. */
export function readDpkgStatus(text: string, location: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const p of paragraphs(text, ':')) {
    const name = p.get('Package');
    const version = p.get('Version');
    const status = p.get('Status');
    if (name === undefined || version === undefined) continue;
    if (status !== undefined && !/\binstalled$/.test(status.trim())) continue;
    out.push({ kind: 'deb', name, version, location, ...opt('arch', p.get('Architecture')), ...opt('supplier', p.get('Maintainer')) });
  }
  return out;
}

/** apk's `/lib/apk/db/installed`: `P:` name, `V:` version, `A:` arch, `L:` license, `m:` maintainer. */
export function readApkInstalled(text: string, location: string): FoundPackage[] {
  const out: FoundPackage[] = [];
  for (const p of paragraphs(text, 'apk')) {
    const name = p.get('P');
    const version = p.get('V');
    if (name === undefined || version === undefined) continue;
    out.push({ kind: 'apk', name, version, location, ...opt('arch', p.get('A')), ...opt('license', p.get('L')), ...opt('supplier', p.get('m')) });
  }
  return out;
}

/** A Python distribution's METADATA or PKG-INFO (core metadata: the headers before the first blank line). */
export function readPythonMetadata(text: string, location: string): FoundPackage[] {
  const head = paragraphs(text.split(/\r?\n\r?\n/)[0] ?? '', ':')[0];
  const name = head?.get('Name');
  const version = head?.get('Version');
  if (head === undefined || name === undefined || version === undefined) return [];
  const license = head.get('License-Expression') ?? head.get('License');
  return [{ kind: 'python', name, version, location, ...opt('license', license?.split('\n')[0]), ...opt('supplier', head.get('Author') ?? head.get('Author-email')) }];
}

/** An npm package's package.json (`name` and `version` required). */
export function readNpmPackage(text: string, location: string): FoundPackage[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof v !== 'object' || v === null) return [];
  const pkg = v as { name?: unknown; version?: unknown; license?: unknown; author?: unknown };
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string' || pkg.name === '' || pkg.version === '') return [];
  const lic = pkg.license;
  const license = typeof lic === 'string' ? lic : typeof lic === 'object' && lic !== null && typeof (lic as { type?: unknown }).type === 'string' ? (lic as { type: string }).type : undefined;
  const a = pkg.author;
  const author = typeof a === 'string' ? a : typeof a === 'object' && a !== null && typeof (a as { name?: unknown }).name === 'string' ? (a as { name: string }).name : undefined;
  return [{ kind: 'npm', name: pkg.name, version: pkg.version, location, ...opt('license', license), ...opt('supplier', author) }];
}
