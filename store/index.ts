/**
 * Images: the OCI layout image store with names, import, save and load.
 * (Layer diff/apply live in store/layer.)
 */
export { ImageStore, layoutDir, type ImageRecord } from './image/store.js';
export { importRootfs, type ImportOptions } from './image/import.js';
export { saveImages, type ArchiveFormat } from './image/save.js';
export { loadArchive, type LoadResult } from './image/load.js';
export { chainIDs, writeImage, createdNow, hostPlatform } from './image/write.js';
export { familiarName, normalizeName, parseReference, formatReference, type Reference } from './image/reference.js';
export { MediaType, REF_NAME } from './image/oci.js';
export type { Descriptor, ImageConfig, Manifest, Index, ContainerConfig, HistoryEntry, Platform } from './image/oci.js';
export { unpackImage, type Mounter, type UnpackOptions } from './image/unpack.js';
export { dropImages, scanImages, type BlobState, type ScannedImage } from './image/fsck.js';
