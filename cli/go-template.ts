/**
 * The part of Go's text/template that `docker ps --format` and
 * `docker inspect --format` users write: `{{.Field}}`, `{{.A.B}}`,
 * `{{json .}}`, `{{json .Field}}`, a `table` prefix (a header row and
 * aligned columns) and `\t`/`\n` escapes. Anything else is refused by name.
 */
import { InvalidArgumentError } from '../util/errors.js';
import { table } from './format.js';

/** Renders `template` for one value. */
export function renderTemplate(template: string, value: unknown): string {
  return unescape(template).replace(/\{\{\s*(.*?)\s*\}\}/g, (_m, action: string) => action1(action, value));
}

/**
 * Renders rows: a plain template gives one line per row; `table TEMPLATE`
 * gives a header (from `headers`, by field name) and aligned columns.
 */
export function renderRows(template: string, rows: readonly unknown[], headers: Readonly<Record<string, string>>): string {
  if (!template.startsWith('table')) return rows.map((r) => `${renderTemplate(template, r)}\n`).join('');
  const body = template.slice('table'.length).trim();
  const head = renderTemplate(body.replace(/\{\{\s*(?:json\s+)?\.(\w+)\s*\}\}/g, (_m, f: string) => headers[f] ?? f.toUpperCase()), {});
  const cells = (line: string): string[] => line.split('\t');
  return table(cells(head), rows.map((r) => cells(renderTemplate(body, r))));
}

function action1(action: string, value: unknown): string {
  const json = /^json\s+(\..*)$/.exec(action);
  if (json !== null) return JSON.stringify(lookup(json[1] ?? '.', value));
  if (action.startsWith('.')) {
    const v = lookup(action, value);
    if (v === undefined || v === null) return '<no value>';
    return typeof v === 'object' ? goPrint(v) : String(v);
  }
  throw new InvalidArgumentError(`template action {{${action}}} is not supported: use {{.Field}}, {{.Field.Sub}} or {{json .Field}}`);
}

function lookup(path: string, value: unknown): unknown {
  if (path === '.') return value;
  let v: unknown = value;
  for (const key of path.slice(1).split('.')) {
    if (typeof v !== 'object' || v === null || !(key in v)) {
      throw new InvalidArgumentError(`template: can't evaluate field ${key}`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Go's %v of maps and slices, as text/template prints them. */
function goPrint(v: object): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'object' && x !== null ? goPrint(x as object) : String(x))).join(' ')}]`;
  return `map[${Object.entries(v)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, x]) => `${k}:${typeof x === 'object' && x !== null ? goPrint(x as object) : String(x)}`)
    .join(' ')}]`;
}

function unescape(s: string): string {
  return s.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}
