/**
 * Heredoc detection on RUN, COPY and ADD lines (not in JSON form), like
 * BuildKit: every shell word of the form `[n]<<[-]NAME` starts a heredoc whose
 * body follows the instruction, in order. A delimiter with any quoted part
 * (`<<"EOF"`, `<<'EOF'`, `<<E"O"F`) turns expansion of the body off.
 * See https://docs.docker.com/reference/dockerfile/#here-documents
 */
import { ShellLex } from './shell/index.js';
import type { Instruction } from './types.js';

/** A heredoc header found on an instruction line; the body is read by the caller. */
export interface HeredocHeader {
  readonly name: string;
  readonly fileDescriptor: number;
  readonly expand: boolean;
  readonly chomp: boolean;
}

const heredocWord = /^(\d*)<<(-?)([^<]*)$/;
const heredocNames = new Set(['run', 'copy', 'add']);

// Splits the line as a shell would, keeping quotes and escapes, so that `"<<EOF"` stays quoted.
const lineLex = new ShellLex({ escapeToken: '\\', rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
const nameLex = new ShellLex({ escapeToken: '\\', skipUnsetEnv: true });
const nameLexRaw = new ShellLex({ escapeToken: '\\', rawQuotes: true, skipUnsetEnv: true });
const noEnv: Readonly<Record<string, string>> = {};

/** Whether the instruction (or ONBUILD's nested one) may carry heredocs. */
export function canContainHeredoc(inst: Instruction): boolean {
  let target = inst;
  if (inst.args.form === 'onbuild' && inst.args.instruction !== null) target = inst.args.instruction;
  return heredocNames.has(target.name) && target.args.form !== 'json';
}

/** The heredoc headers on a logical line, in order. Throws on a malformed delimiter. */
export function heredocsFromLine(line: string): HeredocHeader[] {
  let words: string[];
  try {
    words = lineLex.processWords(line, noEnv);
  } catch {
    // BuildKit ignores a line its shell lexer cannot split: no heredocs.
    return [];
  }
  const docs: HeredocHeader[] = [];
  for (const word of words) {
    const doc = parseHeredocWord(word);
    if (doc !== null) docs.push(doc);
  }
  return docs;
}

/** Reads one `[n]<<[-]NAME` word; `null` when the word is not a heredoc. */
export function parseHeredocWord(word: string): HeredocHeader | null {
  const m = heredocWord.exec(word);
  if (m === null) return null;
  const rest = m[3] ?? '';
  if (rest === '') return null;
  const words = nameLex.processWords(rest, noEnv);
  const name = words[0];
  if (words.length !== 1 || name === undefined) return null;
  const raw = nameLexRaw.processWords(rest, noEnv);
  if (raw.length !== words.length) throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  const quotes = (s: string): number => s.split("'").length + s.split('"').length - 2;
  return {
    name,
    fileDescriptor: m[1] === '' || m[1] === undefined ? 0 : Number(m[1]),
    expand: quotes(name) === quotes(raw[0] ?? ''),
    chomp: m[2] === '-',
  };
}

/** Removes leading tabs from every line of a `<<-` heredoc body. */
export function chompHeredocContent(content: string): string {
  return content.replace(/^\t+/gm, '');
}
