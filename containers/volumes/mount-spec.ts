/**
 * `kiln run`'s mount flags as docker reads them: `-v` (a host path, a named
 * volume, or an anonymous one) and `--mount type=bind|volume|tmpfs,…`.
 * Nothing is resolved here: named volumes are created (and filled from the
 * image) when the container is created.
 * https://docs.docker.com/engine/storage/volumes/#choose-the--v-or---mount-flag
 */
import { isAbsolute } from 'node:path';
import { InvalidArgumentError, NotImplementedError } from '../../util/errors.js';
import { checkVolumeName } from './names.js';

/** A mount as asked for; `name` undefined: a new anonymous volume. */
export type MountRequest =
  | { readonly type: 'bind'; readonly source: string; readonly destination: string; readonly readonly: boolean; readonly mustExist: boolean }
  | { readonly type: 'volume'; readonly name?: string; readonly destination: string; readonly readonly: boolean; readonly noCopy: boolean; readonly labels: Readonly<Record<string, string>> }
  | { readonly type: 'tmpfs'; readonly destination: string; readonly options: readonly string[] };

/** `--tmpfs` and `--mount type=tmpfs` defaults (docker's). */
const TMPFS_DEFAULTS = ['nosuid', 'nodev', 'noexec'];

/**
 * `-v /path` (an anonymous volume), `-v NAME:/path[:OPTS]` (a named volume),
 * `-v /host:/path[:OPTS]` (a bind); OPTS: `ro`, `rw`, `nocopy` (volumes), comma-separated.
 */
export function parseVolumeFlag(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.length === 1) {
    if (!isAbsolute(spec)) throw new InvalidArgumentError(`invalid volume ${JSON.stringify(spec)}: a single path must be absolute (an anonymous volume); else give SRC:DST[:OPTS]`);
    return { type: 'volume', destination: spec, readonly: false, noCopy: false, labels: {} };
  }
  const [source = '', destination = '', mode = ''] = parts;
  if (parts.length > 3 || source === '' || destination === '') throw new InvalidArgumentError(`invalid volume ${JSON.stringify(spec)}: expected SRC:DST[:OPTS]`);
  if (!isAbsolute(destination)) throw new InvalidArgumentError(`invalid volume ${JSON.stringify(spec)}: the container path ${JSON.stringify(destination)} must be absolute`);
  const opts = mode === '' ? [] : mode.split(',');
  for (const o of opts) {
    if (!['ro', 'rw', 'nocopy'].includes(o)) throw new InvalidArgumentError(`invalid volume ${JSON.stringify(spec)}: unknown option ${JSON.stringify(o)} (expected ro, rw or nocopy)`);
  }
  const readonly = opts.includes('ro');
  if (readonly && opts.includes('rw')) throw new InvalidArgumentError(`invalid volume ${JSON.stringify(spec)}: ro and rw both given`);
  if (isAbsolute(source)) {
    if (opts.includes('nocopy')) throw new InvalidArgumentError(`invalid volume ${JSON.stringify(spec)}: nocopy is for volumes, not host paths`);
    return { type: 'bind', source, destination, readonly, mustExist: false };
  }
  return { type: 'volume', name: checkVolumeName(source), destination, readonly, noCopy: opts.includes('nocopy'), labels: {} };
}

/** `--mount type=bind|volume|tmpfs,source=…,target=…[,readonly][,volume-nocopy][,tmpfs-size=…]` (type defaults to volume). */
export function parseMountFlag(spec: string): MountRequest {
  const f = fields(spec);
  const bad = (why: string): InvalidArgumentError => new InvalidArgumentError(`invalid --mount ${JSON.stringify(spec)}: ${why}`);
  const type = f.take('type') ?? 'volume';
  const source = f.take('source', 'src');
  const destination = f.take('target', 'destination', 'dst');
  const readonly = bool(f.take('readonly', 'ro'), 'readonly', bad);
  if (destination === undefined || destination === '') throw bad('target is required');
  if (!isAbsolute(destination)) throw bad(`target ${JSON.stringify(destination)} must be an absolute path`);
  let out: MountRequest;
  switch (type) {
    case 'bind': {
      if (source === undefined || source === '') throw bad('a bind mount needs source=HOST-PATH');
      if (!isAbsolute(source)) throw bad(`bind source ${JSON.stringify(source)} must be an absolute path`);
      const propagation = f.take('bind-propagation');
      if (propagation !== undefined && propagation !== 'rprivate') throw new NotImplementedError(`--mount bind-propagation=${propagation} (kiln's binds are rprivate)`);
      out = { type: 'bind', source, destination, readonly, mustExist: true };
      break;
    }
    case 'volume': {
      const noCopy = bool(f.take('volume-nocopy'), 'volume-nocopy', bad);
      const labels: Record<string, string> = {};
      for (const l of f.takeAll('volume-label')) {
        const eq = l.indexOf('=');
        labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
      }
      if (f.has('volume-driver') && f.take('volume-driver') !== 'local') throw new NotImplementedError('--mount volume-driver other than local');
      if (f.has('volume-opt')) throw new NotImplementedError('--mount volume-opt (driver options of the local driver)');
      if (f.has('volume-subpath')) throw new NotImplementedError('--mount volume-subpath');
      out = { type: 'volume', ...(source === undefined || source === '' ? {} : { name: checkVolumeName(source) }), destination, readonly, noCopy, labels };
      break;
    }
    case 'tmpfs': {
      if (source !== undefined && source !== '') throw bad('a tmpfs mount takes no source');
      const size = f.take('tmpfs-size');
      const mode = f.take('tmpfs-mode');
      if (mode !== undefined && !/^[0-7]{1,4}$/.test(mode)) throw bad(`tmpfs-mode ${JSON.stringify(mode)}: expected octal permissions such as 1777`);
      const options = [...TMPFS_DEFAULTS, ...(readonly ? ['ro'] : []), ...(size === undefined ? [] : [`size=${bytes(size, bad)}`]), ...(mode === undefined ? [] : [`mode=${mode.padStart(4, '0')}`])];
      out = { type: 'tmpfs', destination, options };
      break;
    }
    default:
      if (type === 'npipe' || type === 'cluster' || type === 'image') throw new NotImplementedError(`--mount type=${type}`);
      throw bad(`unknown type ${JSON.stringify(type)} (expected bind, volume or tmpfs)`);
  }
  const rest = f.left();
  if (rest.length > 0) throw bad(`unexpected key ${JSON.stringify(rest[0])} for type=${type}`);
  return out;
}

/** The parts of `k=v,k,…`, taken one by one so what is left can be refused. */
function fields(spec: string): { take(...keys: string[]): string | undefined; takeAll(key: string): string[]; has(key: string): boolean; left(): string[] } {
  const pairs: [string, string | undefined][] = [];
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [part.trim().toLowerCase(), undefined] : [part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1)]);
  }
  const taken = new Set<number>();
  return {
    take(...keys) {
      let value: string | undefined;
      pairs.forEach(([k, v], i) => {
        if (!keys.includes(k)) return;
        taken.add(i);
        value = v ?? 'true';
      });
      return value;
    },
    takeAll(key) {
      return pairs.flatMap(([k, v], i) => (k === key ? (taken.add(i), [v ?? '']) : []));
    },
    has: (key) => pairs.some(([k]) => k === key),
    left: () => pairs.filter((_, i) => !taken.has(i)).map(([k]) => k),
  };
}

function bool(v: string | undefined, key: string, bad: (why: string) => Error): boolean {
  if (v === undefined) return false;
  const b = v.toLowerCase();
  if (b === 'true' || b === '1') return true;
  if (b === 'false' || b === '0') return false;
  throw bad(`${key}=${v}: expected true or false`);
}

/** docker's RAMInBytes: a number with an optional b/k/m/g/t suffix (binary units). */
function bytes(text: string, bad: (why: string) => Error): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)i?b?$/i.exec(text.trim());
  if (m === null) throw bad(`tmpfs-size ${JSON.stringify(text)}: expected a size such as 64m`);
  const power = ' kmgtp'.indexOf((m[2] ?? '').toLowerCase() || ' ');
  return Math.floor(Number(m[1]) * 1024 ** power);
}
