/**
 * `kiln images` output in docker's shapes: the default table, `-q`,
 * `--digests`, `--no-trunc`, `--format json` (docker's keys, one object per
 * line) and Go templates over the same fields.
 */
import { humanAge, humanSize, shortId } from './format.js';
import { parseFormat, renderFormat, type Format } from './go-format.js';
import type { ImageRow } from './images-list.js';

/** The fields of a row as docker's formatter names them (all strings, as docker prints them). */
export interface DockerImageFields {
  readonly Containers: string;
  readonly CreatedAt: string;
  readonly CreatedSince: string;
  readonly Digest: string;
  readonly ID: string;
  readonly Repository: string;
  readonly SharedSize: string;
  readonly Size: string;
  readonly Tag: string;
  readonly UniqueSize: string;
  readonly VirtualSize: string;
}

const HEADERS: Readonly<Record<keyof DockerImageFields, string>> = {
  Containers: 'CONTAINERS',
  CreatedAt: 'CREATED AT',
  CreatedSince: 'CREATED',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  SharedSize: 'SHARED SIZE',
  Size: 'SIZE',
  Tag: 'TAG',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
};

export interface ImagesOutput {
  readonly quiet: boolean;
  readonly trunc: boolean;
  readonly digests: boolean;
  readonly format: Format | undefined;
}

/** The text `kiln images` prints for `rows`. */
export function formatImages(rows: readonly ImageRow[], o: ImagesOutput, now = Date.now()): string {
  const format = o.quiet ? parseFormat('{{.ID}}') : (o.format ?? parseFormat(defaultTable(o.digests)));
  return renderFormat(format, rows.map((r) => dockerFields(r, o.trunc, now)), HEADERS);
}

function defaultTable(digests: boolean): string {
  return `table {{.Repository}}\t{{.Tag}}\t${digests ? '{{.Digest}}\t' : ''}{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
}

export function dockerFields(r: ImageRow, trunc: boolean, now: number): DockerImageFields {
  const size = humanSize(r.size);
  return {
    Containers: 'N/A',
    CreatedAt: goTime(r.created),
    CreatedSince: humanAge(r.created, now),
    Digest: r.digest ?? '<none>',
    ID: trunc ? shortId(r.id) : r.id,
    Repository: r.repository,
    SharedSize: 'N/A',
    Size: size,
    Tag: r.tag,
    UniqueSize: 'N/A',
    VirtualSize: size,
  };
}

/** Go's time.Time String() in UTC: `2024-01-17 10:44:28 +0000 UTC`. */
function goTime(iso: string | undefined): string {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return 'N/A';
  return `${new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;
}
