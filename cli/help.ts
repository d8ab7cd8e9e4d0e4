/**
 * How commander's help and usage errors read: no `(default: [])` noise for
 * repeatable flags, and a usage error is its one line plus commander's
 * "(Did you mean …?)" suggestion, without the help hint.
 */
import { Help, type Command, type Option } from 'commander';

/** Applies kiln's help formatting to `cmd` (not inherited by added subcommands, so callers apply it to each). */
export function configureHelp(cmd: Command): Command {
  return cmd.configureHelp({
    optionDescription(this: Help, option: Option): string {
      if (!isEmptyCollection(option.defaultValue)) return Help.prototype.optionDescription.call(this, option);
      // The empty list or map of a repeatable flag is not a default worth showing.
      const shown = Object.create(option) as Option;
      shown.defaultValue = undefined;
      return Help.prototype.optionDescription.call(this, shown);
    },
  });
}

function isEmptyCollection(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype && Object.keys(v).length === 0;
}

/** What kiln prints of commander's error output `s`: the error line and any suggestion. */
export function usageErrorLines(s: string): string {
  if (!s.startsWith('error:')) return s;
  const lines = s.split('\n');
  const keep = lines.filter((l, i) => i === 0 || /^\(Did you mean .*\?\)$/.test(l));
  return `${keep.join('\n')}\n`;
}
