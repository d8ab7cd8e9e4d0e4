/**
 * `--build-context NAME=VALUE` (buildx): `docker-image://REF`, `target:STAGE`,
 * `oci-layout://DIR[:TAG|@sha256:…]`, a git URL, or a local directory. What
 * each means for the build is frontend/builder/named-context.ts's; here the
 * value is only parsed and a directory checked, so a typo fails up front.
 * See https://docs.docker.com/reference/cli/docker/buildx/build/#build-context
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isGitContext, type NamedContext } from '../frontend/index.js';
import { InvalidArgumentError, NotImplementedError } from '../util/errors.js';

/** Parses every `--build-context`; names are case-insensitive (lowercased), as in BuildKit. */
export function parseBuildContexts(specs: readonly string[], cwd = process.cwd()): Map<string, NamedContext> {
  const out = new Map<string, NamedContext>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq).trim().toLowerCase();
    const value = spec.slice(eq + 1).trim();
    if (eq <= 0 || value === '') throw new InvalidArgumentError(`invalid --build-context ${JSON.stringify(spec)}: expected NAME=VALUE`);
    out.set(name, parseOne(spec, name, value, cwd));
  }
  return out;
}

function parseOne(spec: string, name: string, value: string, cwd: string): NamedContext {
  if (value.startsWith('docker-image://')) {
    const ref = value.slice('docker-image://'.length);
    if (ref === '') throw new InvalidArgumentError(`invalid --build-context ${JSON.stringify(spec)}: docker-image:// needs an image reference`);
    return { kind: 'image', ref };
  }
  if (value.startsWith('target:')) return { kind: 'stage', name: value.slice('target:'.length) };
  if (value.startsWith('oci-layout://')) return ociLayout(spec, name, value.slice('oci-layout://'.length), cwd);
  if (isGitContext(value)) return { kind: 'git', url: value };
  if (/^https?:\/\//i.test(value)) throw new NotImplementedError(`--build-context ${name}=${value} (an HTTP tarball as a named context; git URLs end in .git)`);
  return { kind: 'local', dir: directory(name, value, cwd) };
}

/** `PATH[:TAG]` or `PATH@sha256:HEX` (buildx's oci-layout syntax). */
function ociLayout(spec: string, name: string, rest: string, cwd: string): NamedContext {
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new InvalidArgumentError(`invalid --build-context ${JSON.stringify(spec)}: ${JSON.stringify(digest)} is not a sha256 digest`);
    return { kind: 'oci-layout', dir: directory(name, rest.slice(0, at), cwd), digest };
  }
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  const path = tagged ? rest.slice(0, colon) : rest;
  const tag = tagged ? rest.slice(colon + 1) : undefined;
  if (tag !== undefined && !/^[\w][\w.-]{0,127}$/.test(tag)) throw new InvalidArgumentError(`invalid --build-context ${JSON.stringify(spec)}: ${JSON.stringify(tag)} is not a valid tag`);
  return { kind: 'oci-layout', dir: directory(name, path, cwd), ...(tag === undefined ? {} : { tag }) };
}

function directory(name: string, path: string, cwd: string): string {
  if (path === '') throw new InvalidArgumentError(`invalid --build-context ${name}: empty path`);
  const dir = resolve(cwd, path);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new InvalidArgumentError(`--build-context ${name}=${path}: no such directory`);
  }
  if (!isDir) throw new InvalidArgumentError(`--build-context ${name}=${path}: not a directory`);
  return dir;
}
