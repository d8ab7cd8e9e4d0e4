/**
 * `kiln build` flags → a typed request, with Docker's syntax:
 * `--build-arg K=V` or `K` (from the environment), `--label K=V`,
 * `--output type=oci|docker|tar|local|image,dest=PATH`, `--platform os/arch`.
 */
import { parsePlatform, type Platform } from '../oci/index.js';
import { InvalidArgumentError } from '../util/errors.js';
import { STDOUT_DEST, type BuildOutput } from '../frontend/options.js';

export type { BuildOutput };

/** Parses `K=V` (or `K`, taking `env[K]`) into `into`; used for --build-arg. */
export function parseBuildArg(spec: string, into: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const eq = spec.indexOf('=');
  if (eq === 0) throw new InvalidArgumentError(`invalid --build-arg ${JSON.stringify(spec)}: empty name`);
  if (eq < 0) return { ...into, [spec]: env[spec] };
  return { ...into, [spec.slice(0, eq)]: spec.slice(eq + 1) };
}

/** Parses `K=V` for --label. */
export function parseLabel(spec: string, into: Record<string, string>): Record<string, string> {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`invalid --label ${JSON.stringify(spec)}: expected KEY=VALUE`);
  return { ...into, [spec.slice(0, eq)]: spec.slice(eq + 1) };
}

/** Parses one `--output` value (CSV of key=value, or a bare path meaning type=local). */
export function parseOutput(spec: string): BuildOutput {
  // buildx: a bare `-` is a tar of the rootfs on stdout, any other bare value a local directory.
  if (!spec.includes('=')) return spec === STDOUT_DEST ? { type: 'tar', dest: STDOUT_DEST } : { type: 'local', dest: spec };
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`invalid --output ${JSON.stringify(spec)}: expected key=value pairs`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const type = fields.get('type');
  if (type === 'image' || type === 'registry') {
    // buildx: type=registry is type=image,push=true; the image is pushed to every -t name (and kept in the local store).
    const push = type === 'registry' || fields.get('push') === 'true';
    if (fields.has('name')) throw new InvalidArgumentError(`--output type=${type},name=…: name the image with -t`);
    return push ? { type: 'image', push: true } : { type: 'image' };
  }
  if (type !== 'oci' && type !== 'docker' && type !== 'tar' && type !== 'local') {
    throw new InvalidArgumentError(`invalid --output ${JSON.stringify(spec)}: type must be image, oci, docker, tar or local`);
  }
  const dest = fields.get('dest');
  if (dest === undefined || dest === '') throw new InvalidArgumentError(`--output type=${type} needs dest=PATH`);
  if (dest === STDOUT_DEST && type === 'local') throw new InvalidArgumentError('--output type=local,dest=-: a directory cannot go to stdout; use type=tar,dest=-');
  return { type, dest };
}

/**
 * Reads `--platform` with the one platform parser (host values fill what it
 * leaves out, as buildx does); kiln builds for the host only.
 */
export function buildPlatform(spec: string | undefined, host: Platform): Platform {
  if (spec === undefined || spec === '') return host;
  let p: Platform;
  try {
    p = parsePlatform(spec, host);
  } catch (err) {
    throw new InvalidArgumentError(`invalid --platform: ${(err as Error).message}`, { cause: err });
  }
  if (p.os !== host.os || p.architecture !== host.architecture) {
    throw new InvalidArgumentError(`--platform ${spec}: cross-platform builds are not implemented (this host is ${host.os}/${host.architecture})`);
  }
  return p;
}

/**
 * Parses one `--secret` (buildx syntax): `id=ID[,src=FILE|,env=VAR][,type=file|env]`;
 * with neither src nor env, the environment variable named ID. Returns the id and its value.
 */
export async function readSecret(spec: string, env: NodeJS.ProcessEnv = process.env): Promise<[string, Buffer]> {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`invalid --secret ${JSON.stringify(spec)}: expected id=ID[,src=FILE|env=VAR]`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const id = fields.get('id');
  if (id === undefined || id === '') throw new InvalidArgumentError(`invalid --secret ${JSON.stringify(spec)}: id is required`);
  const src = fields.get('src') ?? fields.get('source') ?? (fields.get('type') === 'file' ? id : undefined);
  if (src !== undefined) {
    const { readFile } = await import('node:fs/promises');
    const data = await readFile(src).catch((err: unknown) => {
      throw new InvalidArgumentError(`--secret id=${id}: cannot read ${src} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    });
    return [id, data];
  }
  const name = fields.get('env') ?? id;
  const value = env[name];
  if (value === undefined) throw new InvalidArgumentError(`--secret id=${id}: environment variable ${name} is not set`);
  return [id, Buffer.from(value)];
}
