/**
 * Host-side path resolution inside a container rootfs: the one root-confined
 * resolver lives in util/root-path.ts (shared with COPY's source tree);
 * executor/ re-exports it as part of its surface.
 */
export { resolveInRoot, resolveInRootSync } from '../util/root-path.js';
