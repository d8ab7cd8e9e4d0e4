/**
 * Build attestations (`kiln build --provenance`, `--sbom`): the SLSA
 * provenance predicate, the SPDX SBOM read from the rootfs's package
 * databases, and the in-toto statements wrapping them. The builder attaches
 * them to the image as BuildKit does (store's writeAttestedIndex).
 */
export { provenancePredicate, SLSA_PROVENANCE_V02, BUILDKIT_BUILD_TYPE, BUILDKIT_METADATA, type Material, type MountId, type ProvenanceInput, type ProvenanceMode, type ProvenanceStep } from './provenance.js';
export { scanPackages, readInRoot } from './sbom-scan.js';
export { spdxDocument, osReleaseId, SPDX_PREDICATE_TYPE, type SpdxInput } from './spdx.js';
export { imageSubjects, statement, STATEMENT_TYPE, type Subject } from './statement.js';
export { imagePurl, purl } from './purl.js';
export type { FoundPackage, PackageKind } from './sbom-db.js';
