/** Parsing of the container flags docker's CLI shares between run, create, stop and kill. */
import { constants } from 'node:os';
import type { LogOptions } from '../../containers/index.js';
import { InvalidArgumentError } from '../../util/errors.js';
import { parseSize } from '../units.js';

/** `--log-opt max-size=10m --log-opt max-file=3` (json-file's options). */
export function parseLogOptions(opts: readonly string[]): LogOptions {
  let maxSize: number | undefined;
  let maxFile = 1;
  for (const o of opts) {
    const eq = o.indexOf('=');
    const [key, value] = eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
    if (key === 'max-size') {
      maxSize = value === '-1' ? undefined : parseSize(value, '--log-opt max-size');
      if (maxSize === 0) throw new InvalidArgumentError('--log-opt max-size must be more than 0');
    } else if (key === 'max-file') {
      if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError(`invalid --log-opt max-file ${JSON.stringify(value)}: expected a whole number, at least 1`);
      maxFile = Number(value);
    } else {
      throw new InvalidArgumentError(`unknown log option ${JSON.stringify(key)} for the json-file driver: expected max-size or max-file`);
    }
  }
  if (maxFile > 1 && maxSize === undefined) throw new InvalidArgumentError('--log-opt max-file needs max-size');
  return { ...(maxSize === undefined ? {} : { maxSize }), maxFile };
}

/** Whole seconds (`--stop-timeout`, `stop -t`). */
export function parseSeconds(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`invalid ${what} ${JSON.stringify(text)}: expected whole seconds`);
  return Number(text);
}

/** A signal as docker takes it: `SIGTERM`, `TERM`, `term` or `15`; returns its `SIGNAME`. */
export function parseSignal(text: string): string {
  if (/^\d+$/.test(text)) {
    const name = Object.entries(constants.signals).find(([, n]) => n === Number(text))?.[0];
    if (name === undefined) throw new InvalidArgumentError(`invalid signal ${JSON.stringify(text)}`);
    return name;
  }
  const name = text.toUpperCase().startsWith('SIG') ? text.toUpperCase() : `SIG${text.toUpperCase()}`;
  if (!(name in constants.signals)) throw new InvalidArgumentError(`invalid signal ${JSON.stringify(text)}: expected a name such as SIGTERM or a number`);
  return name;
}
