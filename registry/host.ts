/**
 * Where a registry named in a reference is served: `docker.io` is
 * `registry-1.docker.io`; loopback hosts and `--insecure-registry` hosts speak
 * plain HTTP (as Docker does), everything else HTTPS.
 * See https://docs.docker.com/reference/cli/dockerd/#insecure-registries
 */
import { isIPv4 } from 'node:net';

/** A resolved registry endpoint. */
export interface RegistryHost {
  /** The name used in references and in credentials: `docker.io`, `127.0.0.1:5000`. */
  readonly name: string;
  /** `https://registry-1.docker.io` or `http://127.0.0.1:5000` (no trailing slash). */
  readonly baseUrl: string;
  readonly insecure: boolean;
}

export interface HostOptions {
  /** Hosts (`name` or `name:port`) to reach over plain HTTP. */
  readonly insecureRegistries?: readonly string[];
}

/** Splits `host:port` / `[::1]:port` into host and port (port may be empty). */
function splitHostPort(name: string): { host: string; port: string } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(name);
  if (m !== null) return { host: m[1] ?? '', port: m[2] ?? '' };
  const colon = name.lastIndexOf(':');
  if (colon >= 0 && name.indexOf(':') === colon) return { host: name.slice(0, colon), port: name.slice(colon + 1) };
  return { host: name, port: '' };
}

/** True for localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(name: string): boolean {
  const { host } = splitHostPort(name);
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/** Resolves the endpoint of registry `name` (a reference's domain). */
export function resolveRegistryHost(name: string, options: HostOptions = {}): RegistryHost {
  const canonical = name === 'index.docker.io' ? 'docker.io' : name;
  const serve = canonical === 'docker.io' ? 'registry-1.docker.io' : canonical;
  const { host } = splitHostPort(canonical);
  const listed = (options.insecureRegistries ?? []).some((h) => h === canonical || h === host);
  const insecure = listed || isLoopback(canonical);
  return { name: canonical, baseUrl: `${insecure ? 'http' : 'https'}://${serve}`, insecure };
}
