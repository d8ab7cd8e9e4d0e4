/**
 * Images: the OCI layout image store with names, import, save and load.
 * (Layer diff/apply live in store/layer.)
 */
export { ImageStore, layoutDir, type ImageRecord } from './image/store.js';
export { importRootfs, type ImportOptions } from './image/import.js';
export { saveImages, type ArchiveFormat, type SaveOptions } from './image/save.js';
export { loadArchive, type LoadResult } from './image/load.js';
export { importLayout, type LayoutSelector } from './image/layout-import.js';
export { chainIDs, writeImage, createdNow } from './image/write.js';
export {
  ATTESTATION_MANIFEST,
  contentSink,
  IN_TOTO_MEDIA_TYPE,
  isAttestationEntry,
  PREDICATE_TYPE_ANNOTATION,
  REFERENCE_DIGEST,
  REFERENCE_TYPE,
  readStatements,
  retargetStatement,
  UNKNOWN_PLATFORM,
  writeAttestedIndex,
  type BlobSink,
  type StatementBlob,
} from './image/attestation.js';
export { familiarName, normalizeName, parseReference, formatReference, type Reference } from './image/reference.js';
// The OCI types live in the oci/ leaf; re-exported so callers of the store keep one import.
export { MediaType, REF_NAME, hostPlatform, isGzipLayer } from '../oci/index.js';
export type { Descriptor, ImageConfig, Manifest, Index, ContainerConfig, HistoryEntry, Platform } from '../oci/index.js';
export { unpackImage, type Mounter, type UnpackOptions } from './image/unpack.js';
export { dropImages, scanImages, type BlobState, type ScannedImage } from './image/fsck.js';
export { createDiffStream, applyLayer } from './layer/index.js';
export type { ApplyOptions, DiffInput, DiffOptions, DiffStream, LayerDigest } from './layer/index.js';
