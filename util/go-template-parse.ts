/**
 * The parser of kiln's Go text/template subset (https://pkg.go.dev/text/template):
 * text, `{{pipeline}}` with `|`, fields (`.A.B`), variables (`$`, `$x`,
 * `$i, $e :=` in range), string/number/bool literals, parentheses, `if`/
 * `else if`/`else`, `range`, `with`, comments and `{{-`/`-}}` trimming.
 * `define`, `template`, `block`, `break`, `continue` and assignment outside
 * `range` are refused with an error naming them.
 */
import { InvalidArgumentError } from './errors.js';

export type Operand =
  | { readonly kind: 'field'; readonly base: Operand | undefined; readonly path: readonly string[] }
  | { readonly kind: 'dot' }
  | { readonly kind: 'var'; readonly name: string; readonly path: readonly string[] }
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'pipe'; readonly pipe: Pipeline };

export interface Pipeline {
  readonly decl: readonly string[];
  readonly commands: readonly (readonly Operand[])[];
}

/** `{{if}}`, `{{with}}` or `{{range}}` with its body and its `{{else}}` part. */
export interface BlockNode {
  readonly kind: 'if' | 'with' | 'range';
  readonly pipe: Pipeline;
  readonly body: TemplateNode[];
  readonly otherwise: TemplateNode[];
}

export type TemplateNode = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'action'; readonly pipe: Pipeline } | BlockNode;

const UNSUPPORTED = new Set(['define', 'template', 'block', 'break', 'continue']);

function fail(msg: string): never {
  throw new InvalidArgumentError(`template: ${msg}`);
}

interface Action {
  readonly words: string;
  readonly pos: number;
}

/** Splits `src` into text and action pieces, applying trim markers and dropping comments. */
function lex(src: string): (string | Action)[] {
  const out: (string | Action)[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      out.push(text);
      break;
    }
    const trimLeft = /^\{\{- /.test(src.slice(open, open + 4)) || src.slice(open, open + 4) === '{{-\n';
    if (trimLeft) text = text.replace(/\s+$/, '');
    out.push(text);
    const close = findClose(src, open + 2);
    if (close < 0) fail(`unclosed action starting at offset ${open}`);
    let inner = src.slice(open + 2 + (trimLeft ? 1 : 0), close);
    trimNext = / -$/.test(inner) || /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    inner = inner.trim();
    if (!/^\/\*[\s\S]*\*\/$/.test(inner)) out.push({ words: inner, pos: open });
    i = close + 2;
  }
  return out;
}

/** The `}}` closing an action, skipping quoted strings. */
function findClose(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === '`') {
      const q = c;
      for (i++; i < src.length && src[i] !== q; i++) if (q === '"' && src[i] === '\\') i++;
    } else if (c === '}' && src[i + 1] === '}') return i;
  }
  return -1;
}

type Token = { t: 'word' | 'str' | 'num' | 'punct'; v: string };

function tokenize(s: string, pos: number): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(:=|[|(),=])|(-?\d+(?:\.\d+)?)(?![\w.])|((?:\$[\w]*|\.)?[\w.$]*))/y;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (m === null || m[0].length === 0) fail(`unexpected ${JSON.stringify(s.slice(i).trim()[0] ?? '')} in action at offset ${pos}`);
    i = re.lastIndex;
    if (m[1] !== undefined) out.push({ t: 'str', v: JSON.parse(m[1]) as string });
    else if (m[2] !== undefined) out.push({ t: 'str', v: m[2].slice(1, -1) });
    else if (m[3] !== undefined) out.push({ t: 'punct', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'num', v: m[4] });
    else if (m[5] !== undefined && m[5] !== '') out.push({ t: 'word', v: m[5] });
    else if (s.slice(i).trim() !== '') fail(`unexpected ${JSON.stringify(s.slice(i).trim()[0] ?? '')} in action at offset ${pos}`);
  }
  return out;
}

class PipeParser {
  #i = 0;
  private readonly toks: Token[];
  private readonly pos: number;
  private readonly funcs: ReadonlySet<string>;
  constructor(toks: Token[], pos: number, funcs: ReadonlySet<string>) {
    this.toks = toks;
    this.pos = pos;
    this.funcs = funcs;
  }

  pipeline(allowDecl: boolean, closing?: string): Pipeline {
    const decl = this.declaration(allowDecl);
    const commands: Operand[][] = [];
    let cmd: Operand[] = [];
    while (this.#i < this.toks.length) {
      const tok = this.toks[this.#i] as Token;
      if (tok.t === 'punct' && tok.v === closing) break;
      this.#i++;
      if (tok.t === 'punct' && tok.v === '|') {
        if (cmd.length === 0) fail(`missing command before | at offset ${this.pos}`);
        commands.push(cmd);
        cmd = [];
      } else if (tok.t === 'punct' && tok.v === '(') {
        const pipe = this.pipeline(false, ')');
        if (this.toks[this.#i]?.v !== ')') fail(`unclosed ( at offset ${this.pos}`);
        this.#i++;
        cmd.push(this.withTrailingField({ kind: 'pipe', pipe }));
      } else cmd.push(this.operand(tok));
    }
    if (cmd.length === 0) fail(`missing value in action at offset ${this.pos}`);
    commands.push(cmd);
    return { decl, commands };
  }

  /** `(…).Field`: a field chain right after a parenthesized pipeline. */
  private withTrailingField(op: Operand): Operand {
    const next = this.toks[this.#i];
    if (next?.t !== 'word' || !next.v.startsWith('.') || next.v === '.') return op;
    this.#i++;
    return { kind: 'field', base: op, path: next.v.slice(1).split('.') };
  }

  private declaration(allowDecl: boolean): string[] {
    const names: string[] = [];
    let j = this.#i;
    for (;;) {
      const t = this.toks[j];
      if (t?.t !== 'word' || !/^\$\w*$/.test(t.v)) return [];
      names.push(t.v);
      const sep = this.toks[j + 1];
      if (sep?.v === ',') j += 2;
      else if (sep?.v === ':=' || sep?.v === '=') break;
      else return [];
    }
    if (!allowDecl) fail(`variable declarations are supported only in range (offset ${this.pos})`);
    this.#i = j + 2;
    return names;
  }

  private operand(tok: Token): Operand {
    if (tok.t === 'str') return { kind: 'literal', value: tok.v };
    if (tok.t === 'num') return { kind: 'literal', value: Number(tok.v) };
    if (tok.t === 'punct') fail(`unexpected ${JSON.stringify(tok.v)} at offset ${this.pos}`);
    const w = tok.v;
    if (w === '.') return { kind: 'dot' };
    if (w.startsWith('.')) {
      if (w.endsWith('.') || w.includes('..')) fail(`bad field ${JSON.stringify(w)} at offset ${this.pos}`);
      return { kind: 'field', base: undefined, path: w.slice(1).split('.') };
    }
    if (w.startsWith('$')) {
      const [name, ...path] = w.split('.');
      return { kind: 'var', name: name as string, path };
    }
    if (w === 'true' || w === 'false') return { kind: 'literal', value: w === 'true' };
    if (w === 'nil') return { kind: 'literal', value: null };
    if (!/^[A-Za-z_]\w*$/.test(w)) fail(`bad word ${JSON.stringify(w)} at offset ${this.pos}`);
    if (!this.funcs.has(w)) fail(`function ${JSON.stringify(w)} not defined (kiln's template functions: ${[...this.funcs].join(', ')})`);
    return { kind: 'ident', name: w };
  }
}

function parsePipe(words: string, pos: number, funcs: ReadonlySet<string>, allowDecl = false): Pipeline {
  return new PipeParser(tokenize(words, pos), pos, funcs).pipeline(allowDecl);
}

/** Parses a template; throws InvalidArgumentError (`template: …`) for what it cannot read or does not support. */
export function parseTemplate(src: string, funcs: ReadonlySet<string>): TemplateNode[] {
  const pieces = lex(src);
  let k = 0;
  const list = (stopAt: readonly string[]): { nodes: TemplateNode[]; stop: Action | undefined } => {
    const nodes: TemplateNode[] = [];
    while (k < pieces.length) {
      const p = pieces[k++] as string | Action;
      if (typeof p === 'string') {
        if (p !== '') nodes.push({ kind: 'text', text: p });
        continue;
      }
      const kw = /^(\w+)\b\s*([\s\S]*)$/.exec(p.words);
      const word = kw?.[1] ?? '';
      if (stopAt.includes(word)) return { nodes, stop: p };
      if (word === 'end' || word === 'else') fail(`unexpected {{${word}}} at offset ${p.pos}`);
      if (UNSUPPORTED.has(word)) fail(`{{${word}}} is not supported (kiln supports fields, variables, if, range, with and the functions ${[...funcs].join(', ')})`);
      if (word === 'if' || word === 'with' || word === 'range') nodes.push(block(word, kw?.[2] ?? '', p.pos));
      else nodes.push({ kind: 'action', pipe: parsePipe(p.words, p.pos, funcs) });
    }
    return { nodes, stop: undefined };
  };
  const block = (kind: 'if' | 'with' | 'range', rest: string, pos: number): TemplateNode => {
    if (rest.trim() === '') fail(`missing value for {{${kind}}} at offset ${pos}`);
    const pipe = parsePipe(rest, pos, funcs, kind === 'range');
    const body = list(['else', 'end']);
    if (body.stop === undefined) fail(`{{${kind}}} at offset ${pos} has no {{end}}`);
    let otherwise: TemplateNode[] = [];
    if (/^else\b/.test(body.stop.words)) {
      const elseRest = body.stop.words.replace(/^else\s*/, '');
      if (/^(if|with)\b/.test(elseRest)) {
        // `{{else if x}}…{{end}}` is `{{else}}{{if x}}…{{end}}{{end}}` sharing one end.
        const inner = /^(if|with)\s*([\s\S]*)$/.exec(elseRest) as RegExpExecArray;
        otherwise = [block(inner[1] as 'if' | 'with', inner[2] ?? '', body.stop.pos)];
        return { kind, pipe, body: body.nodes, otherwise };
      }
      if (elseRest !== '') fail(`unexpected ${JSON.stringify(elseRest)} after {{else}} at offset ${body.stop.pos}`);
      const rest2 = list(['end']);
      if (rest2.stop === undefined) fail(`{{${kind}}} at offset ${pos} has no {{end}}`);
      otherwise = rest2.nodes;
    }
    return { kind, pipe, body: body.nodes, otherwise };
  };
  const top = list([]);
  return top.nodes;
}
