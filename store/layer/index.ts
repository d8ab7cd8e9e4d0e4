/**
 * Layers: diff a snapshot into an OCI layer tar, apply a layer tar onto a
 * snapshot. https://github.com/opencontainers/image-spec/blob/main/layer.md
 */
export { createDiffStream } from './diff.js';
export { applyLayer } from './apply.js';
export type { ApplyOptions, DiffInput, DiffOptions, DiffStream, LayerDigest } from './types.js';
