/**
 * One CSV record, read like Go's `encoding/csv` with default settings (the
 * way BuildKit reads a `--mount` value): fields split on `,`, a field may be
 * quoted with `"`, and `""` inside quotes is one quote.
 */
import { SpecError } from './ctx.js';
import { utf8Length } from './go-strconv.js';

const bareQuote = 'bare " in non-quoted-field';
const badQuote = 'extraneous or missing " in quoted-field';

/** Splits `line` into fields. Throws {@link SpecError} with Go's message. */
export function csvFields(line: string): string[] {
  let s = line.endsWith('\r\n') ? line.slice(0, -2) : line.endsWith('\n') ? line.slice(0, -1) : line;
  if (s === '') throw new SpecError('EOF');
  const fields: string[] = [];
  let pos = 0;
  const error = (at: number, what: string): SpecError =>
    new SpecError(`parse error on line 1, column ${utf8Length(line.slice(0, at)) + 1}: ${what}`);
  for (;;) {
    if (!s.startsWith('"')) {
      const comma = s.indexOf(',');
      const field = comma < 0 ? s : s.slice(0, comma);
      const quote = field.indexOf('"');
      if (quote >= 0) throw error(pos + quote, bareQuote);
      fields.push(field);
      if (comma < 0) return fields;
      s = s.slice(comma + 1);
      pos += comma + 1;
      continue;
    }
    const quoted = readQuoted(s, pos, error);
    fields.push(quoted.field);
    if (quoted.rest === null) return fields;
    pos += s.length - quoted.rest.length;
    s = quoted.rest;
  }
}

/** Reads a quoted field at the start of `s`; `rest` is what follows its comma, or `null` at the end. */
function readQuoted(s: string, pos: number, error: (at: number, what: string) => SpecError): { field: string; rest: string | null } {
  let field = '';
  let i = 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) throw error(pos + i, badQuote);
    field += s.slice(i, q);
    const next = s[q + 1];
    if (next === '"') {
      field += '"';
      i = q + 2;
    } else if (next === ',') {
      return { field, rest: s.slice(q + 2) };
    } else if (next === undefined) {
      return { field, rest: null };
    } else {
      throw error(pos + q, badQuote);
    }
  }
}
