/**
 * `--format` as docker reads it: `json` (one JSON object per line), `table
 * TEMPLATE` (a header row, then the rows, columns split at `\t` and aligned
 * like Go's tabwriter with docker's settings), or a Go template per item
 * (util/go-template.ts).
 * https://docs.docker.com/engine/cli/formatting/
 */
import { goStruct, goTemplate, type GoTemplate } from '../util/go-template.js';

/** A parsed `--format`. */
export interface Format {
  readonly table: boolean;
  readonly template: GoTemplate;
}

/** Parses a `--format` value; bad template syntax throws InvalidArgumentError (a usage error). */
export function parseFormat(spec: string): Format {
  if (spec === 'json') return { table: false, template: goTemplate('{{json .}}') };
  const table = /^table(\s|$)/.test(spec);
  // As docker: `\t` and `\n` typed in a shell's single quotes are a tab and a newline.
  const body = (table ? spec.replace(/^table\s*/, '') : spec).replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  return { table, template: goTemplate(body) };
}

/**
 * Renders `items` (each made a Go struct, so a mistyped field is an error)
 * with `format`; `headers` gives the header row's text for each field name.
 */
export function renderFormat(format: Format, items: readonly object[], headers: Readonly<Record<string, string>>): string {
  const lines = items.map((item) => format.template.execute(goStruct({ ...item })));
  if (!format.table) return lines.map((l) => `${l}\n`).join('');
  return tabwrite([format.template.execute(goStruct({ ...headers })), ...lines]);
}

/** Go's tabwriter as docker's formatter sets it up: minimum width 10, padding 3; the last cell of a line is not padded. */
export function tabwrite(lines: readonly string[]): string {
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) cells.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, Math.max(10, c.length + 3))));
  return rows.map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('').trimEnd()).join('\n') + '\n';
}
