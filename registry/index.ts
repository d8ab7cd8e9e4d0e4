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
export { parsePlatform, formatPlatform } from './manifest.js';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export type { RegistryProgress, BlobStatus, ProgressSink } from './progress.js';
