/** The content store: sha256-addressed blobs (see {@link ContentStore}). */
export type { BlobInfo, ContentStore, ContentWriter, Expected } from './types.js';
export { LocalContentStore } from './local.js';
export { BlobVerifier, damagedBlobError, damagedDigest, readVerified, verifiedRanges, VerifyingStream } from './verify.js';
