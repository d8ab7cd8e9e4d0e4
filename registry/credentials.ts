/**
 * Registry credentials in Docker's client config (`$DOCKER_CONFIG/config.json`,
 * default `~/.docker/config.json`): `auths` entries (base64 `auth` or
 * `username`/`password`), `credHelpers` per registry and a default
 * `credsStore`, both run as `docker-credential-<name> get` (server URL on
 * stdin, JSON on stdout).
 * See https://docs.docker.com/reference/cli/docker/login/#credential-stores
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { FailedPreconditionError, InvalidArgumentError } from '../util/errors.js';

/** A username and password (or access token) for one registry. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  [k: string]: unknown;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [k: string]: unknown;
}

/** Docker Hub's historical key in `auths` and for helpers. */
const HUB_KEY = 'https://index.docker.io/v1/';

/** The config file path (`DOCKER_CONFIG` honoured). */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '' ? env.DOCKER_CONFIG : join(homedir(), '.docker');
  return join(dir, 'config.json');
}

/** The key Docker uses for a registry: Docker Hub's URL for `docker.io`, else the host. */
export function credentialKey(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? HUB_KEY : registry;
}

/** `https://host/v1/` and `host` both name `host`. */
function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

async function readConfig(path: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (err) {
    throw new InvalidArgumentError(`docker config ${path}: not valid JSON`, { cause: err });
  }
}

/** Finds the `auths` entry for `registry`: an exact key first, then any key naming the same host. */
function findAuth(config: DockerConfig, registry: string): AuthEntry | undefined {
  const auths = config.auths ?? {};
  const key = credentialKey(registry);
  if (auths[key] !== undefined) return auths[key];
  const host = hostOfKey(key);
  for (const [k, v] of Object.entries(auths)) if (hostOfKey(k) === host) return v;
  return undefined;
}

function decodeEntry(entry: AuthEntry, path: string, registry: string): Credentials | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) throw new InvalidArgumentError(`docker config ${path}: the auth entry for ${registry} is not base64 of user:password`);
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  return undefined;
}

/** Runs `docker-credential-<helper> get` for `serverUrl`; undefined when it has nothing. */
export function runCredentialHelper(helper: string, serverUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const bin = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let failed = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.resume();
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => {
      failed = true;
      reject(new FailedPreconditionError(`credential helper ${bin}: cannot run it (${(err as NodeJS.ErrnoException).code ?? err.message})`, { cause: err }));
    });
    child.on('close', (code) => {
      if (failed) return;
      // Helpers print "credentials not found in native keychain" with a failure status when they have none.
      if (code !== 0) {
        if (/not found/i.test(out)) resolve(undefined);
        else reject(new FailedPreconditionError(`credential helper ${bin} failed with status ${code} for ${serverUrl}`));
        return;
      }
      try {
        resolve(parseHelperOutput(out));
      } catch (err) {
        reject(new FailedPreconditionError(`credential helper ${bin}: output is not JSON`, { cause: err }));
      }
    });
    child.stdin.end(serverUrl);
  });
}

/** `{"Username","Secret"}`; a `<token>` user marks an identity (OAuth refresh) token, which kiln does not use. */
function parseHelperOutput(out: string): Credentials | undefined {
  const r = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
  if (typeof r.Username !== 'string' || typeof r.Secret !== 'string' || r.Secret === '') return undefined;
  return r.Username === '<token>' ? undefined : { username: r.Username, password: r.Secret };
}

/**
 * Credentials for `registry` (a reference's domain): its `credHelpers` entry,
 * else its `auths` entry, else the `credsStore`; undefined when none.
 */
export async function lookupCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  const key = credentialKey(registry);
  const helper = config.credHelpers?.[key] ?? config.credHelpers?.[registry];
  if (helper !== undefined && helper !== '') return runCredentialHelper(helper, key, env);
  const entry = findAuth(config, registry);
  const fromFile = entry === undefined ? undefined : decodeEntry(entry, path, registry);
  if (fromFile !== undefined) return fromFile;
  if (config.credsStore !== undefined && config.credsStore !== '') return runCredentialHelper(config.credsStore, key, env);
  return undefined;
}

/** Rewrites the config atomically with mode 0600, keeping every other field. */
async function updateConfig(env: NodeJS.ProcessEnv, fn: (c: DockerConfig) => void): Promise<void> {
  const path = dockerConfigPath(env);
  const config = await readConfig(path);
  fn(config);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
}

/** Stores `creds` for `registry` in `auths` (base64 `user:password`). */
export async function storeCredentials(registry: string, creds: Credentials, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await updateConfig(env, (c) => {
    c.auths ??= {};
    c.auths[credentialKey(registry)] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  });
}

/** Removes every `auths` entry for `registry`; returns false when there was none. */
export async function removeCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  let removed = false;
  await updateConfig(env, (c) => {
    const host = hostOfKey(credentialKey(registry));
    for (const k of Object.keys(c.auths ?? {})) {
      if (hostOfKey(k) === host && c.auths !== undefined) {
        delete c.auths[k];
        removed = true;
      }
    }
  });
  return removed;
}
