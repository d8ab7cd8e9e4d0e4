/**
 * A subset of Go's text/template, enough for docker's `--format` examples:
 * fields, `json`, `index`, `join`, `split`, `range`, `if`, `with` and the
 * comparison and string functions docker's CLI adds. Values are JSON-like;
 * objects made with `goStruct()` behave as Go structs (a missing field is an
 * error), other objects as maps (a missing key prints `<no value>`).
 * Syntax is in go-template-parse.ts; anything else fails with a message.
 */
import { InvalidArgumentError } from './errors.js';
import { parseTemplate, type BlockNode, type Operand, type Pipeline, type TemplateNode } from './go-template-parse.js';

const STRUCTS = new WeakSet<object>();

/** Marks `obj` as a Go struct: asking it for a field it lacks is an error naming its fields. */
export function goStruct<T extends object>(obj: T): T {
  STRUCTS.add(obj);
  return obj;
}

/** A parsed template, executed once per value. */
export interface GoTemplate {
  execute(data: unknown): string;
}

/** Parses `src`; throws InvalidArgumentError (`template: …`) for bad or unsupported syntax. */
export function goTemplate(src: string): GoTemplate {
  const nodes = parseTemplate(src, new Set(Object.keys(FUNCS)));
  return { execute: (data) => run(nodes, { dot: data, vars: new Map([['$', data]]) }) };
}

interface Scope {
  readonly dot: unknown;
  readonly vars: Map<string, unknown>;
}

function fail(msg: string): never {
  throw new InvalidArgumentError(`template: ${msg}`);
}

function run(nodes: readonly TemplateNode[], s: Scope): string {
  let out = '';
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out += n.text;
        break;
      case 'action':
        out += n.pipe.decl.length > 0 ? '' : show(pipeline(n.pipe, s));
        break;
      case 'if':
        out += run(truthy(pipeline(n.pipe, s)) ? n.body : n.otherwise, s);
        break;
      case 'with': {
        const v = pipeline(n.pipe, s);
        out += truthy(v) ? run(n.body, { ...s, dot: v }) : run(n.otherwise, s);
        break;
      }
      case 'range':
        out += range(n, s);
        break;
      default:
        return n satisfies never;
    }
  }
  return out;
}

function range(n: BlockNode, s: Scope): string {
  const v = pipeline(n.pipe, s);
  const entries: [unknown, unknown][] = Array.isArray(v)
    ? v.map((e, i) => [i, e])
    : isObject(v)
      ? Object.keys(v).sort().map((k) => [k, v[k]])
      : v === undefined || v === null
        ? []
        : fail(`range can't iterate over ${show(v)}`);
  if (entries.length === 0) return run(n.otherwise, s);
  let out = '';
  for (const [k, e] of entries) {
    const vars = new Map(s.vars);
    if (n.pipe.decl.length === 1) vars.set(n.pipe.decl[0] as string, e);
    if (n.pipe.decl.length === 2) vars.set(n.pipe.decl[0] as string, k).set(n.pipe.decl[1] as string, e);
    out += run(n.body, { dot: e, vars });
  }
  return out;
}

function pipeline(p: Pipeline, s: Scope): unknown {
  let value: unknown;
  p.commands.forEach((cmd, i) => {
    value = command(cmd, s, i === 0 ? [] : [value]);
  });
  return value;
}

function command(cmd: readonly Operand[], s: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = cmd;
  if (head?.kind === 'ident') return call(head.name, [...rest.map((o) => operand(o, s)), ...piped]);
  if (rest.length > 0 || piped.length > 0) fail(`can't give arguments to a non-function ${describe(head)}`);
  return operand(head as Operand, s);
}

function operand(o: Operand, s: Scope): unknown {
  switch (o.kind) {
    case 'dot':
      return s.dot;
    case 'literal':
      return o.value;
    case 'ident':
      return call(o.name, []);
    case 'pipe':
      return pipeline(o.pipe, s);
    case 'var': {
      if (!s.vars.has(o.name)) fail(`undefined variable ${o.name}`);
      return fields(s.vars.get(o.name), o.path);
    }
    case 'field':
      return fields(o.base === undefined ? s.dot : operand(o.base, s), o.path);
    default:
      return o satisfies never;
  }
}

function fields(v: unknown, path: readonly string[]): unknown {
  let cur = v;
  for (const name of path) {
    if (cur === undefined || cur === null) return undefined;
    if (!isObject(cur)) fail(`can't evaluate field ${name} in ${typeName(cur)} ${show(cur)}`);
    if (Object.hasOwn(cur, name)) cur = cur[name];
    else if (STRUCTS.has(cur)) fail(`can't evaluate field ${name}: the fields are ${Object.keys(cur).join(', ')}`);
    else cur = undefined;
  }
  return cur;
}

const FUNCS: Record<string, (args: unknown[]) => unknown> = {
  json: (a) => JSON.stringify(one('json', a) ?? null),
  index: ([v, ...keys]) => keys.reduce((cur, k) => indexOne(cur, k), v),
  join: (a) => {
    const [list, sep] = arity('join', a, 2);
    if (!Array.isArray(list)) fail(`join: expected a list, got ${typeName(list)}`);
    return list.map(show).join(String(sep));
  },
  split: (a) => {
    const [str, sep] = arity('split', a, 2);
    return String(str).split(String(sep));
  },
  len: (a) => {
    const v = one('len', a);
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (isObject(v)) return Object.keys(v).length;
    return fail(`len of ${typeName(v)}`);
  },
  lower: (a) => String(one('lower', a)).toLowerCase(),
  upper: (a) => String(one('upper', a)).toUpperCase(),
  title: (a) => String(one('title', a)).replace(/(^|\s)(\S)/g, (_m, sp: string, c: string) => sp + c.toUpperCase()),
  truncate: (a) => {
    const [str, n] = arity('truncate', a, 2);
    return String(str).slice(0, Number(n));
  },
  print: (a) => a.map(show).join(''),
  println: (a) => `${a.map(show).join(' ')}\n`,
  printf: ([fmt, ...a]) => printf(String(fmt), a),
  eq: ([x, ...ys]) => ys.some((y) => y === x),
  ne: (a) => (([x, y]) => x !== y)(arity('ne', a, 2)),
  lt: (a) => (([x, y]) => (x as number) < (y as number))(arity('lt', a, 2)),
  le: (a) => (([x, y]) => (x as number) <= (y as number))(arity('le', a, 2)),
  gt: (a) => (([x, y]) => (x as number) > (y as number))(arity('gt', a, 2)),
  ge: (a) => (([x, y]) => (x as number) >= (y as number))(arity('ge', a, 2)),
  not: (a) => !truthy(one('not', a)),
  and: (a) => a.find((v) => !truthy(v)) ?? a[a.length - 1],
  or: (a) => a.find((v) => truthy(v)) ?? a[a.length - 1],
};

function call(name: string, args: unknown[]): unknown {
  const f = Object.hasOwn(FUNCS, name) ? FUNCS[name] : undefined;
  if (f === undefined) fail(`function ${JSON.stringify(name)} not defined (kiln's template functions: ${Object.keys(FUNCS).join(', ')})`);
  return f(args);
}

function one(name: string, args: unknown[]): unknown {
  return arity(name, args, 1)[0];
}

function arity(name: string, args: unknown[], n: number): unknown[] {
  if (args.length !== n) fail(`wrong number of arguments for ${name}: want ${n}, got ${args.length}`);
  return args;
}

function indexOne(cur: unknown, k: unknown): unknown {
  if (Array.isArray(cur)) {
    if (typeof k !== 'number' || !Number.isInteger(k)) fail(`index of a list with ${typeName(k)} ${show(k)}: expected an integer`);
    if (k < 0 || k >= cur.length) fail(`index out of range: ${k} (the list has ${cur.length})`);
    return cur[k];
  }
  if (isObject(cur)) return Object.hasOwn(cur, String(k)) ? cur[String(k)] : undefined;
  if (cur === undefined || cur === null) fail(`index of untyped nil`);
  return fail(`can't index item of type ${typeName(cur)}`);
}

function printf(fmt: string, args: unknown[]): string {
  let i = 0;
  return fmt.replace(/%([-+ 0#]*\d*)([svdqt%])/g, (_m, _flags: string, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const v = args[i++];
    if (verb === 'q') return JSON.stringify(show(v));
    if (verb === 'd' && typeof v !== 'number') return `%!d(${typeName(v)}=${show(v)})`;
    return show(v);
  });
}

/** Go's zero values are false; so are empty strings, lists and maps. */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '';
}

/** How Go's fmt prints a value: `[a b]`, `map[k:v]`, `<no value>`. */
export function show(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v);
    return STRUCTS.has(v) ? `{${keys.map((k) => show(v[k])).join(' ')}}` : `map[${keys.sort().map((k) => `${k}:${show(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  return isObject(v) ? 'map' : typeof v;
}

function describe(o: Operand | undefined): string {
  if (o === undefined) return 'nothing';
  if (o.kind === 'field') return `.${o.path.join('.')}`;
  if (o.kind === 'var') return [o.name, ...o.path].join('.');
  if (o.kind === 'literal') return show(o.value);
  return o.kind;
}
