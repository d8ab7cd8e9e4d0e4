/** The content store: sha256-addressed blobs (see {@link ContentStore}). */
export type { BlobInfo, ContentStore, ContentWriter, Expected } from './types.js';
export { LocalContentStore } from './local.js';
