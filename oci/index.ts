/**
 * Leaf OCI types and pure helpers every room shares: image-spec types and
 * media types, the platform parser, the runtime-spec mount.
 */
export { MediaType, REF_NAME, isLayerMediaType, isGzipLayer } from './image.js';
export type { Descriptor, ImageConfig, Manifest, Index, ContainerConfig, HistoryEntry } from './image.js';
export { formatPlatform, hostPlatform, parsePlatform, type Platform } from './platform.js';
export type { Mount, OciMount } from './mount.js';
