/**
 * The automatic GC's policy, like BuildKit's default: after a build, when the
 * build cache is larger than `keepStorage` (default 10% of the root's file
 * system, at most 20 GB), least recently used records are removed. Set in
 * `<root>/kiln.json` (`{"gc": {"enabled": true, "keepStorage": "5GB", "interval": "1m"}}`)
 * or `<root>/kiln.toml` (`[gc]` with `enabled`, `keep-storage`, `interval`),
 * overridden by `KILN_GC=0|1`, `KILN_GC_KEEP_STORAGE`, `KILN_GC_INTERVAL`.
 */
import { statfs } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { FailedPreconditionError, InvalidArgumentError } from '../util/errors.js';
import type { RootLayout } from '../util/root-layout.js';
import { parseDuration, parseSize } from './units.js';

export interface GcConfig {
  readonly enabled: boolean;
  readonly keepBytes: number;
  /** At least this long between two automatic collections (ms); and never sooner than the last one took. */
  readonly intervalMs: number;
}

const MAX_DEFAULT = 20e9;

interface RawGc {
  enabled?: unknown;
  keepStorage?: unknown;
  interval?: unknown;
}

export async function gcConfig(layout: RootLayout, env: NodeJS.ProcessEnv = process.env): Promise<GcConfig> {
  const raw = { ...(await fromFiles(layout)) };
  if (env.KILN_GC !== undefined && env.KILN_GC !== '') raw.enabled = !/^(0|false|off|no)$/i.test(env.KILN_GC);
  if (env.KILN_GC_KEEP_STORAGE !== undefined && env.KILN_GC_KEEP_STORAGE !== '') raw.keepStorage = env.KILN_GC_KEEP_STORAGE;
  if (env.KILN_GC_INTERVAL !== undefined && env.KILN_GC_INTERVAL !== '') raw.interval = env.KILN_GC_INTERVAL;
  const keepBytes = raw.keepStorage === undefined ? await defaultKeep(layout.root) : typeof raw.keepStorage === 'number' ? raw.keepStorage : parseSize(String(raw.keepStorage), 'gc keep-storage');
  const intervalMs = raw.interval === undefined ? 60_000 : raw.interval === '0' || raw.interval === 0 ? 0 : parseDuration(String(raw.interval), 'gc interval');
  return { enabled: raw.enabled !== false, keepBytes, intervalMs };
}

async function defaultKeep(root: string): Promise<number> {
  const fs = await statfs(root);
  return Math.min(MAX_DEFAULT, Math.floor((fs.blocks * fs.bsize) / 10));
}

async function fromFiles(layout: RootLayout): Promise<RawGc> {
  const json = await readIfExists(layout.configJson);
  if (json !== undefined) {
    try {
      return ((JSON.parse(json) as { gc?: RawGc }).gc ?? {}) as RawGc;
    } catch (err) {
      throw new InvalidArgumentError(`${layout.configJson}: not valid JSON (${(err as Error).message})`);
    }
  }
  const toml = await readIfExists(layout.configToml);
  return toml === undefined ? {} : gcFromToml(toml, layout.configToml);
}

/** A settings file's text, undefined when there is none; any other failure (EACCES, EISDIR) names the file. */
async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FailedPreconditionError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The `[gc]` table of a small TOML file: `key = "string" | number | true | false`. */
export function gcFromToml(text: string, file: string): RawGc {
  const out: RawGc = {};
  let section = '';
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const sec = /^\[([A-Za-z0-9_.-]+)\]$/.exec(line);
    if (sec !== null) {
      section = sec[1] ?? '';
      continue;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
    if (kv === null) throw new InvalidArgumentError(`${file}:${i + 1}: expected key = value`);
    if (section !== 'gc') continue;
    const value = parseTomlValue(kv[2] ?? '', `${file}:${i + 1}`);
    const key = kv[1];
    if (key === 'enabled') out.enabled = value;
    else if (key === 'keep-storage' || key === 'keepStorage') out.keepStorage = value;
    else if (key === 'interval') out.interval = value;
    else throw new InvalidArgumentError(`${file}:${i + 1}: unknown gc setting ${JSON.stringify(key)} (enabled, keep-storage, interval)`);
  }
  return out;
}

function parseTomlValue(v: string, where: string): unknown {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d+$/.test(v)) return Number(v);
  const s = /^"([^"\\]*)"$/.exec(v) ?? /^'([^']*)'$/.exec(v);
  if (s !== null) return s[1];
  throw new InvalidArgumentError(`${where}: expected a string, number or boolean, got ${v}`);
}
