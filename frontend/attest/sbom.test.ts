import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readApkInstalled, readDpkgStatus, readNpmPackage, readPythonMetadata } from './sbom-db.js';
import { scanPackages } from './sbom-scan.js';
import { osReleaseId, spdxDocument } from './spdx.js';

const test = suite('SBOM: package databases');

const DPKG = `Package: bash
Essential: yes
Status: install ok installed
Priority: required
Architecture: amd64
Version: 5.2.15-2+b2
Maintainer: Matthias Klose <doko@debian.org>
Description: GNU Bourne Again SHell
 Bash is an sh-compatible command language interpreter.
 .
 more

Package: gone
Status: deinstall ok config-files
Architecture: all
Version: 1.0

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
`;

test('dpkg status: installed packages only, with version, architecture and maintainer', () => {
  assert.equal(readDpkgStatus(DPKG, '/var/lib/dpkg/status'), [
    { kind: 'deb', name: 'bash', version: '5.2.15-2+b2', location: '/var/lib/dpkg/status', arch: 'amd64', supplier: 'Matthias Klose <doko@debian.org>' },
    { kind: 'deb', name: 'libc6', version: '2.36-9+deb12u4', location: '/var/lib/dpkg/status', arch: 'amd64' },
  ]);
});

test('apk installed: P/V/A/L/m fields of each paragraph', () => {
  const text = 'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nL:MIT\nm:Natanael Copa <ncopa@alpinelinux.org>\no:musl\n\nP:busybox\nV:1.36.1-r5\nA:x86_64\nL:GPL-2.0-only\n\n';
  assert.equal(readApkInstalled(text, '/lib/apk/db/installed'), [
    { kind: 'apk', name: 'musl', version: '1.2.4-r2', location: '/lib/apk/db/installed', arch: 'x86_64', license: 'MIT', supplier: 'Natanael Copa <ncopa@alpinelinux.org>' },
    { kind: 'apk', name: 'busybox', version: '1.36.1-r5', location: '/lib/apk/db/installed', arch: 'x86_64', license: 'GPL-2.0-only' },
  ]);
});

test('python METADATA: the header block only; npm package.json: name and version required', () => {
  const meta = 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\nAuthor: Kenneth Reitz\n\nName: not-a-header\n';
  assert.equal(readPythonMetadata(meta, '/x/requests-2.31.0.dist-info/METADATA'), [
    { kind: 'python', name: 'requests', version: '2.31.0', location: '/x/requests-2.31.0.dist-info/METADATA', license: 'Apache 2.0', supplier: 'Kenneth Reitz' },
  ]);
  assert.equal(readPythonMetadata('Name: x\n', 'p'), [], 'no version: not a package');
  assert.equal(readNpmPackage('{"name":"@scope/pkg","version":"2.0.0","license":{"type":"ISC"},"author":{"name":"A"}}', 'p'), [{ kind: 'npm', name: '@scope/pkg', version: '2.0.0', location: 'p', license: 'ISC', supplier: 'A' }]);
  assert.equal(readNpmPackage('{"name":"x"}', 'p'), []);
  assert.equal(readNpmPackage('not json', 'p'), []);
});

test('SPDX 2.3 document: a CONTAINER package containing each package with its purl; stable for the same input', () => {
  const input = {
    name: 'docker.io/library/app:1',
    packages: [
      ...readDpkgStatus(DPKG, '/var/lib/dpkg/status'),
      ...readNpmPackage('{"name":"@scope/pkg","version":"2.0.0","license":"MIT"}', '/app/node_modules/@scope/pkg/package.json'),
      ...readPythonMetadata('Name: Foo_Bar\nVersion: 1.0\n', '/usr/lib/python3/dist-packages/Foo_Bar-1.0.dist-info/METADATA'),
    ],
    created: new Date(0),
    distro: osReleaseId('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'),
    tool: 'kiln',
  };
  const doc = spdxDocument(input) as { spdxVersion: string; documentNamespace: string; creationInfo: { created: string }; packages: { name: string; SPDXID: string; licenseDeclared: string; externalRefs?: { referenceLocator: string }[] }[]; relationships: { relationshipType: string }[] };
  assert.is(doc.spdxVersion, 'SPDX-2.3');
  assert.is(doc.creationInfo.created, '1970-01-01T00:00:00Z');
  assert.equal(doc.packages.map((p) => p.externalRefs?.[0]?.referenceLocator), [
    undefined,
    'pkg:deb/debian/bash@5.2.15-2+b2?arch=amd64',
    'pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64',
    'pkg:npm/%40scope/pkg@2.0.0',
    'pkg:pypi/foo-bar@1.0',
  ]);
  assert.is(doc.packages[3]?.licenseDeclared, 'MIT');
  for (const p of doc.packages) assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
  assert.equal(doc.relationships.map((r) => r.relationshipType), ['DESCRIBES', 'CONTAINS', 'CONTAINS', 'CONTAINS', 'CONTAINS']);
  assert.is((spdxDocument(input) as { documentNamespace: string }).documentNamespace, doc.documentNamespace);
});

const scan = suite('SBOM: rootfs scan');

async function rootfs(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-sbom-'));
  for (const [p, body] of Object.entries(files)) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), body);
  }
  return dir;
}

scan('finds dpkg, apk, Python dist-info/egg-info and npm packages (scoped and nested)', async () => {
  const root = await rootfs({
    'var/lib/dpkg/status': DPKG,
    'lib/apk/db/installed': 'P:musl\nV:1.2.4-r2\n\n',
    'usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA': 'Name: requests\nVersion: 2.31.0\n',
    'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO': 'Name: six\nVersion: 1.16.0\n',
    'app/node_modules/left-pad/package.json': '{"name":"left-pad","version":"1.3.0"}',
    'app/node_modules/@scope/pkg/package.json': '{"name":"@scope/pkg","version":"2.0.0"}',
    'app/node_modules/left-pad/node_modules/inner/package.json': '{"name":"inner","version":"0.0.1"}',
    'proc/fake/node_modules/x/package.json': '{"name":"in-proc","version":"9"}',
  });
  try {
    const found = await scanPackages(root);
    assert.equal(found.map((p) => `${p.kind}:${p.name}@${p.version}`), [
      'apk:musl@1.2.4-r2', 'deb:bash@5.2.15-2+b2', 'deb:libc6@2.36-9+deb12u4', 'npm:@scope/pkg@2.0.0', 'npm:inner@0.0.1', 'npm:left-pad@1.3.0', 'python:requests@2.31.0', 'python:six@1.16.0',
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

scan('hostile: database symlinks pointing outside the rootfs are resolved inside it, never on the host', async () => {
  const outside = await rootfs({ 'status': 'Package: host-secret\nStatus: install ok installed\nVersion: 6.6.6\n' });
  const root = await rootfs({ 'etc/decoy': 'Package: inside\nStatus: install ok installed\nVersion: 1\n' });
  try {
    await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
    // Absolute and climbing links to the host file: inside the root they name files that do not exist.
    await symlink(join(outside, 'status'), join(root, 'var/lib/dpkg/status'));
    await mkdir(join(root, 'app/node_modules/evil'), { recursive: true });
    await symlink(`../../../../../../../../..${join(outside, 'status')}`, join(root, 'app/node_modules/evil/package.json'));
    await mkdir(join(root, 'lib/apk'), { recursive: true });
    await symlink(outside, join(root, 'lib/apk/db'));
    assert.equal(await scanPackages(root), [], 'nothing from the host file');
    // A link that stays inside the rootfs is followed there (as a container would see it).
    await rm(join(root, 'var/lib/dpkg/status'));
    await symlink('/etc/decoy', join(root, 'var/lib/dpkg/status'));
    assert.equal((await scanPackages(root)).map((p) => p.name), ['inside']);
  } finally {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  }
});

test.run();
scan.run();
