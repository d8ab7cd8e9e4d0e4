/**
 * `kiln images`'s rows and filters, docker's semantics: one row per name (or
 * one `<none>` row for an unnamed image), newest first; `--filter`
 * dangling=true|false, reference=GLOB, before=IMAGE, since=IMAGE,
 * label=KEY[=VALUE] (same key: any of them; different keys: all), and a
 * REPOSITORY[:TAG] argument.
 * https://docs.docker.com/reference/cli/docker/image/ls/#filter
 */
import type { Worker } from './worker.js';
import { familiarName, parseReference, type ImageRecord } from '../store/index.js';
import { InvalidArgumentError } from '../util/errors.js';

/** One line of `kiln images`. */
export interface ImageRow {
  readonly repository: string;
  readonly tag: string;
  /** A digest the image is named by (`name@sha256:…`), if any. */
  readonly digest: string | undefined;
  readonly id: string;
  readonly created: string | undefined;
  readonly size: number;
  readonly labels: Readonly<Record<string, string>>;
}

export type ImageFilter =
  | { readonly key: 'dangling'; readonly value: boolean }
  | { readonly key: 'reference' | 'before' | 'since' | 'label'; readonly value: string };

const KEYS = ['dangling', 'reference', 'before', 'since', 'label'] as const;

/** Parses one `--filter KEY=VALUE`. */
export function parseImageFilter(spec: string): ImageFilter {
  const eq = spec.indexOf('=');
  const key = eq < 0 ? spec : spec.slice(0, eq);
  const value = eq < 0 ? '' : spec.slice(eq + 1);
  if (!(KEYS as readonly string[]).includes(key)) throw new InvalidArgumentError(`invalid filter ${JSON.stringify(key)}: kiln images filters are ${KEYS.join(', ')}`);
  if (value === '') throw new InvalidArgumentError(`--filter ${key}: expected ${key}=VALUE`);
  if (key === 'dangling') {
    if (!/^(true|false|1|0)$/i.test(value)) throw new InvalidArgumentError(`invalid filter 'dangling=${value}': expected true or false`);
    return { key, value: /^(true|1)$/i.test(value) };
  }
  return { key: key as 'reference' | 'before' | 'since' | 'label', value };
}

/** Every row of the store, newest first. */
export async function imageRows(w: Worker): Promise<ImageRow[]> {
  const out: ImageRow[] = [];
  for (const image of await w.images.list()) {
    const config = await w.images.config(image);
    const base = { id: image.id, created: config.created, size: await imageSize(w, image), labels: config.config?.Labels ?? {} };
    if (image.names.length === 0) out.push({ repository: '<none>', tag: '<none>', digest: undefined, ...base });
    for (const n of image.names) {
      const r = parseReference(n);
      out.push({ repository: familiarName({ ...r, tag: undefined, digest: undefined }), tag: r.tag ?? '<none>', digest: r.digest, ...base });
    }
  }
  return out.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
}

export async function imageSize(w: Worker, image: ImageRecord): Promise<number> {
  const m = await w.images.manifest(image);
  return m.layers.reduce((a, l) => a + l.size, 0);
}

/** The rows `filters` and the REPOSITORY[:TAG] argument keep. */
export async function filterRows(w: Worker, rows: readonly ImageRow[], filters: readonly ImageFilter[], repository: string | undefined): Promise<ImageRow[]> {
  const times = async (key: 'before' | 'since'): Promise<number[]> =>
    Promise.all(filters.filter((f) => f.key === key).map(async (f) => Date.parse((await w.images.config(await w.images.get(f.value as string))).created ?? '')));
  const [before, since] = [await times('before'), await times('since')];
  const refs = filters.flatMap((f) => (f.key === 'reference' ? [f.value] : []));
  const labels = filters.flatMap((f) => (f.key === 'label' ? [f.value] : []));
  const dangling = filters.flatMap((f) => (f.key === 'dangling' ? [f.value] : [])).pop();
  const want = repository === undefined ? undefined : repoArg(repository);
  return rows.filter((r) => {
    const created = Date.parse(r.created ?? '');
    if (dangling !== undefined && (r.tag === '<none>' && r.repository === '<none>') !== dangling) return false;
    if (before.some((t) => !(created < t)) || since.some((t) => !(created > t))) return false;
    if (refs.length > 0 && !refs.some((p) => matchesReference(p, r))) return false;
    if (!labels.every((l) => hasLabel(r.labels, l))) return false;
    return want === undefined || (r.repository === want.repository && (want.tag === undefined || r.tag === want.tag));
  });
}

function repoArg(arg: string): { repository: string; tag: string | undefined } {
  let r;
  try {
    r = parseReference(arg);
  } catch (err) {
    throw new InvalidArgumentError(`invalid repository ${JSON.stringify(arg)}: ${(err as Error).message}`, { cause: err });
  }
  // parseReference may fill in `latest`; only a tag written in the argument narrows the list.
  const written = /:[^/]*$/.test(arg.split('@')[0] ?? '');
  return { repository: familiarName({ ...r, tag: undefined, digest: undefined }), tag: written ? r.tag : undefined };
}

function hasLabel(labels: Readonly<Record<string, string>>, spec: string): boolean {
  const eq = spec.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, spec);
  return labels[spec.slice(0, eq)] === spec.slice(eq + 1);
}

/** docker's reference filter: a path.Match glob against `repo` or `repo:tag` (`*` does not cross `/`). */
function matchesReference(pattern: string, r: ImageRow): boolean {
  if (r.repository === '<none>') return false;
  const re = globRegExp(pattern);
  return re.test(r.repository) || re.test(`${r.repository}:${r.tag}`);
}

function globRegExp(pattern: string): RegExp {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new InvalidArgumentError(`--filter reference=${pattern}: unclosed [ in the pattern`);
      src += `[${pattern.slice(i + 1, end).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
      i = end;
    } else src += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}
