/**
 * The OCI distribution client: pull, push, login/logout, with Docker's
 * reference and credential conventions.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md
 */
export { pull, type PullOptions, type PullResult } from './pull.js';
export { push, type PushOptions, type PushResult } from './push.js';
export { login, logout, registryName } from './login.js';
export { resolveRegistryHost, isLoopback, type RegistryHost, type HostOptions } from './host.js';
export { RegistryError, type RegistryErrorKind } from './errors.js';
export { RegistryClient, type ClientOptions } from './client.js';
export { lookupCredentials, dockerConfigPath, type Credentials } from './credentials.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export type { RegistryProgress, BlobStatus, ProgressSink } from './progress.js';
// Building blocks for other OCI artifacts kiln stores in registries (the build cache, remotecache/registry.ts).
export { putManifest } from './push.js';
export { familiar } from './pull.js';
export { fetchConfig } from './pull-config.js';
export { blobExists, pushLayer, type PushContext } from './push-layer.js';
export { uploadBlob } from './upload.js';
export { downloadLayer, type LayerContext } from './pull-layer.js';
export { fetchManifest, parseManifest, isImageManifest, type FetchedManifest } from './manifest.js';
export { CompressedMap } from './compressed-map.js';
export { repositoryScope } from './auth.js';
