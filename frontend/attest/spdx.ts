/**
 * The SBOM predicate: an SPDX 2.3 JSON document
 * (https://spdx.github.io/spdx-spec/v2.3/) with one package for the image,
 * which CONTAINS one package per entry of the rootfs's package databases, each
 * with its purl. Deterministic: the same packages give the same document
 * (its namespace is derived from them; `created` is SOURCE_DATE_EPOCH when set).
 */
import { createHash } from 'node:crypto';
import { purl } from './purl.js';
import type { FoundPackage } from './sbom-db.js';

export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';

/** Where each kind of package was read from, in the words syft uses. */
const SOURCE: Record<FoundPackage['kind'], string> = {
  deb: 'acquired package info from DPKG DB',
  apk: 'acquired package info from APK DB',
  python: 'acquired package info from installed python package manifest file',
  npm: 'acquired package info from installed node module manifest file',
};

export interface SpdxInput {
  /** What the document describes: the image's first name, or its id. */
  readonly name: string;
  readonly packages: readonly FoundPackage[];
  readonly created: Date;
  /** The `ID` of /etc/os-release (`debian`, `alpine`), the purl namespace of deb and apk packages. */
  readonly distro: string | undefined;
  readonly tool: string;
}

/** A license kiln can state as an SPDX expression; anything else is NOASSERTION. */
function licenseExpression(license: string | undefined): string {
  if (license === undefined) return 'NOASSERTION';
  const l = license.trim();
  return /^\(?[A-Za-z0-9.+-]+(?:\)? (?:AND|OR|WITH) \(?[A-Za-z0-9.+-]+\)?)*\)?$/.test(l) ? l : 'NOASSERTION';
}

function packagePurl(p: FoundPackage, distro: string | undefined): string {
  const arch = p.arch === undefined ? [] : [['arch', p.arch] as const];
  switch (p.kind) {
    case 'deb':
      return purl('deb', distro ?? 'debian', p.name, p.version, arch);
    case 'apk':
      return purl('apk', distro ?? 'alpine', p.name, p.version, arch);
    case 'python':
      return purl('pypi', '', p.name.toLowerCase().replace(/[-_.]+/g, '-'), p.version);
    case 'npm': {
      const slash = p.name.startsWith('@') ? p.name.indexOf('/') : -1;
      return slash < 0 ? purl('npm', '', p.name, p.version) : purl('npm', p.name.slice(0, slash), p.name.slice(slash + 1), p.version);
    }
    default: {
      const never: never = p.kind;
      throw new Error(`internal: unknown package kind ${String(never)}`);
    }
  }
}

/** SPDX ids allow letters, digits, `.` and `-` only. */
function spdxId(p: FoundPackage): string {
  const h = createHash('sha256').update(`${p.kind}\0${p.name}\0${p.version}\0${p.location}`).digest('hex').slice(0, 16);
  return `SPDXRef-Package-${p.kind}-${p.name.replace(/[^A-Za-z0-9.-]/g, '-')}-${h}`;
}

/** The SPDX 2.3 document of an image's packages. */
export function spdxDocument(input: SpdxInput): Record<string, unknown> {
  const hash = createHash('sha256').update(input.name);
  for (const p of input.packages) hash.update(`\0${p.kind}\0${p.name}\0${p.version}\0${p.location}`);
  const h = hash.digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const root = 'SPDXRef-DocumentRoot-Image';
  const packages = input.packages.map((p) => ({
    name: p.name,
    SPDXID: spdxId(p),
    versionInfo: p.version,
    supplier: p.supplier === undefined ? 'NOASSERTION' : `Person: ${p.supplier.replace(/\s+/g, ' ')}`,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: licenseExpression(p.license),
    copyrightText: 'NOASSERTION',
    sourceInfo: `${SOURCE[p.kind]}: ${p.location}`,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: packagePurl(p, input.distro) }],
  }));
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: input.name,
    documentNamespace: `urn:uuid:${uuid}`,
    creationInfo: { creators: [`Tool: ${input.tool}`], created: input.created.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    packages: [
      { name: input.name, SPDXID: root, downloadLocation: 'NOASSERTION', filesAnalyzed: false, licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION', copyrightText: 'NOASSERTION', primaryPackagePurpose: 'CONTAINER' },
      ...packages,
    ],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: root },
      ...packages.map((p) => ({ spdxElementId: root, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
    ],
  };
}

/** The `ID=` of an os-release file. */
export function osReleaseId(text: string | undefined): string | undefined {
  const m = text === undefined ? null : /^ID=["']?([^"'\n]*)["']?$/m.exec(text);
  return m?.[1] === undefined || m[1] === '' ? undefined : m[1].toLowerCase();
}
