/**
 * `kiln login` / `kiln logout`: check credentials against a registry's
 * `/v2/` endpoint (through whichever auth flow it asks for), then keep them in
 * the docker config so that every Docker-compatible tool shares them.
 * See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#determining-support
 */
import { RegistryClient, type ClientOptions } from './client.js';
import { removeCredentials, storeCredentials, type Credentials } from './credentials.js';
import { RegistryError } from './errors.js';
import { UNAUTHORIZED_HINT } from './auth.js';

/** The registry a user names (`docker.io`, `https://index.docker.io/v1/`, `host:port`) as a reference domain. */
export function registryName(registry: string): string {
  const host = registry.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' || host === '' ? 'docker.io' : host;
}

/** Verifies `credentials` against `registry` and stores them; a refusal is a RegistryError naming the registry. */
export async function login(registry: string, credentials: Credentials, options: Omit<ClientOptions, 'credentials'> & { signal?: AbortSignal } = {}): Promise<void> {
  const name = registryName(registry);
  const client = new RegistryClient(name, { ...options, credentials });
  // The spec has no scope for /v2/ itself; a token for no scope is what docker login asks for too.
  const res = await client.send({ method: 'GET', url: '/v2/', scopes: [], signal: options.signal });
  if (res.status === 200 && res.headers.get('www-authenticate') === null) {
    // A registry that lets everyone in may still check credentials elsewhere; nothing to verify here.
    await res.body?.cancel();
  } else if (res.status !== 200) {
    if (res.status === 401) throw await client.error(res, 'login');
    const err = await client.error(res, 'login');
    throw new RegistryError(err.kind, name, `registry ${name}: login failed: ${err.message} ${UNAUTHORIZED_HINT}`, { status: res.status });
  }
  await storeCredentials(name, credentials, options.env);
}

/** Removes stored credentials for `registry`; false when there were none. */
export async function logout(registry: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<boolean> {
  return removeCredentials(registryName(registry), options.env);
}
