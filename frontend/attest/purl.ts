/**
 * Package URLs (https://github.com/package-url/purl-spec) as BuildKit writes
 * them for images (`pkg:docker/NS/NAME@TAG?platform=linux%2Famd64`, its
 * util/purl) and as SBOMs name packages (`pkg:deb/debian/bash@5.2?arch=amd64`).
 */
import { formatPlatform, type Platform } from '../../oci/index.js';
import { parseReference } from '../../store/index.js';

/** Go's url.QueryEscape (what packageurl-go uses for names and qualifier values): space is `+`, and `!'()*` are escaped too. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

/** Go's url.PathEscape for a version: like QueryEscape but `:`, `@`, `+` and friends stay. */
function pathEscape(s: string): string {
  return encodeURIComponent(s).replace(/%(3A|40|2B|24|26|3D|2C|3B)/gi, (m) => decodeURIComponent(m));
}

/** A purl from its parts; qualifiers in the order given. */
export function purl(type: string, namespace: string, name: string, version: string | undefined, qualifiers: readonly (readonly [string, string])[] = []): string {
  const ns = namespace === '' ? '' : `${namespace.split('/').map(queryEscape).join('/')}/`;
  const v = version === undefined || version === '' ? '' : `@${pathEscape(version)}`;
  const q = qualifiers.length === 0 ? '' : `?${qualifiers.map(([k, val]) => `${k}=${queryEscape(val)}`).join('&')}`;
  return `pkg:${type}/${ns}${queryEscape(name)}${v}${q}`;
}

/**
 * An image reference as BuildKit's RefToPURL writes it: the familiar name
 * split at its last `/`, the tag as version (`latest` when there is none), a
 * digest reference as a `digest` qualifier, then the platform.
 */
export function imagePurl(ref: string, platform: Platform | undefined): string {
  const r = parseReference(ref);
  const full = r.domain === 'docker.io' ? (r.path.startsWith('library/') ? r.path.slice('library/'.length) : r.path) : `${r.domain}/${r.path}`;
  const slash = full.lastIndexOf('/');
  const qualifiers: [string, string][] = [];
  if (r.digest !== undefined) qualifiers.push(['digest', r.digest]);
  if (platform !== undefined) qualifiers.push(['platform', formatPlatform(platform)]);
  const tag = r.tag ?? (r.digest === undefined ? 'latest' : undefined);
  return purl('docker', slash < 0 ? '' : full.slice(0, slash), full.slice(slash + 1), tag, qualifiers);
}
