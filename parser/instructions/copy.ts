/**
 * COPY and ADD: sources (paths, URLs or here-documents) and a destination.
 * See https://docs.docker.com/reference/dockerfile/#copy and
 * https://docs.docker.com/reference/dockerfile/#add
 */
import { chompHeredocContent } from '../heredoc.js';
import type { Heredoc, Word } from '../types.js';
import { fail, internal, keywordOf, type Ctx } from './ctx.js';
import { parseFlags, valueOf } from './flags.js';
import type { AddCommand, CopyCommand, InlineSource } from './types.js';

const copyFlags = {
  chown: 'string', from: 'string', chmod: 'string', link: 'bool', exclude: 'strings', parents: 'bool',
} as const;
const addFlags = {
  chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool', exclude: 'strings',
} as const;

/** `COPY [flags] src... dest` */
export function parseCopy(ctx: Ctx): CopyCommand {
  const words = copyWords(ctx);
  const flags = parseFlags(ctx, copyFlags);
  return {
    kind: 'copy',
    ...sourcesAndDest(ctx, words),
    from: valueOf(flags.from),
    chown: valueOf(flags.chown),
    chmod: valueOf(flags.chmod),
    link: flags.link ?? false,
    parents: flags.parents ?? false,
    excludes: flags.exclude.map((f) => f.value),
    range: ctx.inst.range,
    source: ctx.inst,
  };
}

/** `ADD [flags] src... dest` */
export function parseAdd(ctx: Ctx): AddCommand {
  const words = copyWords(ctx);
  const flags = parseFlags(ctx, addFlags);
  return {
    kind: 'add',
    ...sourcesAndDest(ctx, words),
    chown: valueOf(flags.chown),
    chmod: valueOf(flags.chmod),
    link: flags.link ?? false,
    checksum: valueOf(flags.checksum),
    keepGitDir: flags['keep-git-dir'],
    unpack: flags.unpack,
    excludes: flags.exclude.map((f) => f.value),
    range: ctx.inst.range,
    source: ctx.inst,
  };
}

/** The argument words; fewer than two is BuildKit's "no destination" error. */
function copyWords(ctx: Ctx): readonly Word[] {
  const args = ctx.inst.args;
  if (args.form !== 'json' && args.form !== 'words') return internal(ctx, `${args.form} arguments`);
  if (args.values.length < 2) {
    const kw = keywordOf(ctx);
    fail(ctx, `${kw} requires at least two arguments, but only one was provided. Destination could not be determined`);
  }
  return args.values;
}

type SourcesAndDest = Pick<CopyCommand, 'sources' | 'inline' | 'dest'>;

/** Splits words into path sources, heredoc sources and the destination. */
function sourcesAndDest(ctx: Ctx, words: readonly Word[]): SourcesAndDest {
  const dest = words[words.length - 1];
  if (dest === undefined) return internal(ctx, 'missing destination');
  if (heredocWordName(dest.value) !== null) fail(ctx, `${keywordOf(ctx)} cannot accept a heredoc as a destination`, dest.range);
  const sources: Word[] = [];
  const inline: InlineSource[] = [];
  for (const word of words.slice(0, -1)) {
    const name = heredocWordName(word.value);
    if (name === null) sources.push(word);
    else inline.push(inlineSource(ctx.inst.heredocs, name));
  }
  return { sources, inline, dest };
}

/**
 * The heredoc name when `word` is a `[n]<<[-]NAME` source (quotes around or
 * inside the name removed), else `null`.
 */
function heredocWordName(word: string): string | null {
  const m = /^[0-9]*<<-?(.+)$/.exec(word);
  const rest = m?.[1];
  if (rest === undefined || rest.includes('<')) return null;
  const name = rest.replace(/["']/g, '');
  return name === '' ? null : name;
}

/**
 * The body for a heredoc source (the last heredoc of that name, as in
 * BuildKit). A heredoc word with no body (possible in the JSON form) gives an
 * empty file, as in BuildKit.
 */
function inlineSource(heredocs: readonly Heredoc[], name: string): InlineSource {
  const doc = heredocs.findLast((h) => h.name === name);
  if (doc === undefined) return { path: name, data: '', expand: true };
  const data = doc.chomp ? chompHeredocContent(doc.content) : doc.content;
  return { path: name, data, expand: doc.expand };
}
