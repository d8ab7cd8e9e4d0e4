/**
 * `--security-opt seccomp=FILE`: a profile in docker's JSON format (the
 * format of moby's profiles/seccomp/default.json) turned into the OCI
 * runtime spec's `linux.seccomp`, as docker does for the host it runs on:
 * `archMap` picks the host's architecture and its sub-architectures, and a
 * rule's `includes`/`excludes` (caps, arches, minKernel) decide whether it
 * applies. Every problem is reported with the file's name and the rule's index.
 * https://docs.docker.com/engine/security/seccomp/
 */
import type { OciSeccomp, OciSeccompAction, OciSeccompArg, OciSeccompRule } from '../executor/index.js';
import { InvalidArgumentError, NotImplementedError } from '../util/errors.js';

const ACTIONS: readonly OciSeccompAction[] = ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG'];
const OPS: readonly OciSeccompArg['op'][] = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
const FLAGS = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];

/** Node's `process.arch` → libseccomp's name of the native architecture. */
const NATIVE: Readonly<Record<string, string>> = { x64: 'SCMP_ARCH_X86_64', ia32: 'SCMP_ARCH_X86', arm64: 'SCMP_ARCH_AARCH64', arm: 'SCMP_ARCH_ARM', ppc64: 'SCMP_ARCH_PPC64LE', s390x: 'SCMP_ARCH_S390X', riscv64: 'SCMP_ARCH_RISCV64' };

/** What decides which rules apply. */
export interface ProfileHost {
  /** Node's `process.arch`. */
  readonly arch: string;
  /** The container's capabilities (`CAP_…`). */
  readonly capabilities: readonly string[];
  /** `uname -r`. */
  readonly kernel: string;
}

type Json = Record<string, unknown>;

/** Parses and converts the profile `text` read from `file`. */
export function seccompFromDockerProfile(text: string, file: string, host: ProfileHost): OciSeccomp {
  const bad = (why: string): InvalidArgumentError => new InvalidArgumentError(`seccomp profile ${file}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw bad('expected a JSON object with defaultAction and syscalls');
  if (doc.listenerPath !== undefined && doc.listenerPath !== '') throw new NotImplementedError(`seccomp profile ${file}: listenerPath (SCMP_ACT_NOTIFY)`);
  const defaultAction = action(doc.defaultAction, 'defaultAction', bad);
  const native = NATIVE[host.arch];
  const architectures = architecturesOf(doc, native, bad);
  const syscalls: OciSeccompRule[] = [];
  const list = doc.syscalls ?? [];
  if (!Array.isArray(list)) throw bad('syscalls must be a list');
  list.forEach((raw: unknown, i: number) => {
    const rule = ruleOf(raw, (why) => bad(`syscalls[${i}]: ${why}`), host, native);
    if (rule !== undefined) syscalls.push(rule);
  });
  const flags = strings(doc.flags ?? [], 'flags', bad);
  for (const f of flags) if (!FLAGS.includes(f)) throw bad(`unknown flag ${JSON.stringify(f)} (expected one of ${FLAGS.join(', ')})`);
  return {
    defaultAction,
    ...(doc.defaultErrnoRet === undefined ? {} : { defaultErrnoRet: errno(doc.defaultErrnoRet, 'defaultErrnoRet', bad) }),
    architectures,
    ...(flags.length === 0 ? {} : { flags }),
    syscalls,
  };
}

function architecturesOf(doc: Json, native: string | undefined, bad: (why: string) => Error): string[] {
  const arches = strings(doc.architectures ?? [], 'architectures', bad);
  const map = doc.archMap ?? [];
  if (!Array.isArray(map)) throw bad('archMap must be a list');
  if (arches.length > 0 && map.length > 0) throw bad("give either 'architectures' or 'archMap', not both");
  if (arches.length > 0) return arches;
  for (const [i, entry] of map.entries()) {
    if (!isObject(entry) || typeof entry.architecture !== 'string') throw bad(`archMap[${i}]: expected {"architecture": "SCMP_ARCH_…", "subArchitectures": […]}`);
    if (entry.architecture === native) return [entry.architecture, ...strings(entry.subArchitectures ?? [], `archMap[${i}].subArchitectures`, bad)];
  }
  return [];
}

function ruleOf(raw: unknown, bad: (why: string) => Error, host: ProfileHost, native: string | undefined): OciSeccompRule | undefined {
  if (!isObject(raw)) throw bad('expected an object with names and action');
  if (raw.name !== undefined && raw.names !== undefined) throw bad("use either 'name' or 'names', not both");
  const names = raw.name !== undefined ? strings([raw.name], 'name', bad) : strings(raw.names ?? [], 'names', bad);
  if (names.length === 0) throw bad('no syscall names');
  const act = action(raw.action, 'action', bad);
  const args = raw.args ?? [];
  if (!Array.isArray(args)) throw bad('args must be a list');
  const rule: OciSeccompRule = {
    names,
    action: act,
    ...(raw.errnoRet === undefined ? {} : { errnoRet: errno(raw.errnoRet, 'errnoRet', bad) }),
    ...(args.length === 0 ? {} : { args: args.map((a: unknown, j: number) => argOf(a, (why) => bad(`args[${j}]: ${why}`))) }),
  };
  return applies(raw.includes, raw.excludes, host, native, bad) ? rule : undefined;
}

/** docker's includes (all must hold) and excludes (any excludes). */
function applies(includes: unknown, excludes: unknown, host: ProfileHost, native: string | undefined, bad: (why: string) => Error): boolean {
  const inc = filterOf(includes, 'includes', bad);
  const exc = filterOf(excludes, 'excludes', bad);
  if (inc.arches.length > 0 && (native === undefined || !inc.arches.includes(native))) return false;
  if (!inc.caps.every((c) => host.capabilities.includes(c))) return false;
  if (inc.minKernel !== undefined && !kernelAtLeast(host.kernel, inc.minKernel)) return false;
  if (native !== undefined && exc.arches.includes(native)) return false;
  if (exc.caps.some((c) => host.capabilities.includes(c))) return false;
  if (exc.minKernel !== undefined && kernelAtLeast(host.kernel, exc.minKernel)) return false;
  return true;
}

function filterOf(v: unknown, what: string, bad: (why: string) => Error): { arches: string[]; caps: string[]; minKernel?: string } {
  if (v === undefined || v === null) return { arches: [], caps: [] };
  if (!isObject(v)) throw bad(`${what} must be an object`);
  const minKernel = v.minKernel;
  if (minKernel !== undefined && (typeof minKernel !== 'string' || !/^\d+\.\d+/.test(minKernel))) throw bad(`${what}.minKernel must be a version such as "4.8"`);
  return { arches: strings(v.arches ?? [], `${what}.arches`, bad), caps: strings(v.caps ?? [], `${what}.caps`, bad), ...(minKernel === undefined ? {} : { minKernel }) };
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const [a = 0, b = 0] = kernel.split(/[.-]/).map(Number);
  const [x = 0, y = 0] = min.split('.').map(Number);
  return a > x || (a === x && b >= y);
}

function argOf(a: unknown, bad: (why: string) => Error): OciSeccompArg {
  if (!isObject(a)) throw bad('expected {"index", "value", "op"}');
  const { index, value, valueTwo, op } = a;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5) throw bad('index must be 0-5');
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw bad('value must be a whole number');
  if (valueTwo !== undefined && (typeof valueTwo !== 'number' || !Number.isInteger(valueTwo) || valueTwo < 0)) throw bad('valueTwo must be a whole number');
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) throw bad(`unknown op ${JSON.stringify(op)} (expected one of ${OPS.join(', ')})`);
  return { index, value, ...(valueTwo === undefined || valueTwo === 0 ? {} : { valueTwo }), op: op as OciSeccompArg['op'] };
}

function action(v: unknown, what: string, bad: (why: string) => Error): OciSeccompAction {
  if (v === 'SCMP_ACT_NOTIFY') throw new NotImplementedError(`seccomp action SCMP_ACT_NOTIFY`);
  if (typeof v !== 'string' || !(ACTIONS as readonly string[]).includes(v)) throw bad(`${what}: unknown action ${JSON.stringify(v)} (expected one of ${ACTIONS.join(', ')})`);
  return v as OciSeccompAction;
}

function errno(v: unknown, what: string, bad: (why: string) => Error): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4095) throw bad(`${what} must be an errno number (0-4095)`);
  return v;
}

function strings(v: unknown, what: string, bad: (why: string) => Error): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) throw bad(`${what} must be a list of names`);
  return v as string[];
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
