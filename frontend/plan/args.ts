/**
 * Build arguments: `--build-arg` values, the predefined platform and proxy
 * ARGs, and the global scope (ARGs before the first FROM) that FROM lines see.
 * See https://docs.docker.com/reference/dockerfile/#arg and
 * https://docs.docker.com/reference/dockerfile/#predefined-args
 */
import type { InstructionCommand } from '../../parser/index.js';
import type { Platform } from '../../store/index.js';
import { located, type Expander } from './expand.js';
import { platformArgs } from './platform.js';

type ArgCommand = Extract<InstructionCommand, { kind: 'arg' }>;

/** The proxy ARGs: usable without ARG, kept out of history and cache keys unless declared. */
export const proxyArgNames: readonly string[] = [
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy',
  'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy',
];

/** Build-args that are never "not consumed": proxies, platform ARGs, SOURCE_DATE_EPOCH. */
function isBuiltinArg(name: string): boolean {
  return proxyArgNames.includes(name) || /^(BUILD|TARGET)(PLATFORM|OS|ARCH|VARIANT)$/.test(name) || name === 'SOURCE_DATE_EPOCH' || name === 'TARGETSTAGE' || name === 'BUILDKIT_SANDBOX_HOSTNAME';
}

/**
 * `--build-arg`s with `--build-arg NAME` (no value) taken from `env`; a name
 * unset there is dropped, as buildx does.
 */
export function resolveBuildArgs(
  given: Readonly<Record<string, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(given)) {
    const v = value ?? env[name];
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

/**
 * The proxy environment a RUN gets from `--build-arg`s (BuildKit's
 * `ProxyEnv`): names match case-insensitively, the last in sorted order wins,
 * and each is set in both cases.
 */
export function proxyEnv(buildArgs: ReadonlyMap<string, string>): [string, string][] {
  const values = new Map<string, string>();
  for (const name of [...buildArgs.keys()].sort()) {
    const upper = name.toUpperCase();
    if (proxyArgNames.includes(upper)) values.set(upper, buildArgs.get(name) ?? '');
  }
  const out: [string, string][] = [];
  for (const upper of ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY']) {
    const v = values.get(upper);
    if (v !== undefined && v !== '') out.push([upper, v], [upper.toLowerCase(), v]);
  }
  return out;
}

/** What the global scope needs. */
export interface GlobalScopeInput {
  readonly globalArgs: readonly ArgCommand[];
  readonly buildArgs: ReadonlyMap<string, string>;
  readonly platform: Platform;
  readonly buildPlatform: Platform;
  /** The value of TARGETSTAGE (see `targetStageName`). */
  readonly targetStage: string;
  readonly expander: Expander;
  readonly filename: string;
}

/**
 * The variables FROM lines see (BuildKit's `buildMetaArgs`): the platform
 * ARGs and TARGETSTAGE (a `--build-arg` overrides them), then each global ARG with its
 * `--build-arg` value or its default expanded in the scope so far. A global
 * ARG with neither stays unset.
 */
export function globalScope(input: GlobalScopeInput): Map<string, string> {
  const scope = new Map<string, string>();
  for (const [name, value] of platformArgs(input.platform, input.buildPlatform, input.targetStage)) {
    scope.set(name, input.buildArgs.get(name) ?? value);
  }
  for (const cmd of input.globalArgs) {
    for (const def of cmd.args) {
      const given = input.buildArgs.get(def.name);
      let value: string | null = given ?? null;
      if (given === undefined && def.default !== null) {
        const text = def.default;
        value = located(input.filename, cmd.range, () => input.expander.word(text, scope));
      }
      if (value !== null) scope.set(def.name, value);
    }
  }
  return scope;
}

/** Sorts build-arg names into consumed and not consumed. */
export function consumedBuildArgs(buildArgs: ReadonlyMap<string, string>, declared: ReadonlySet<string>): { used: string[]; unused: string[] } {
  const used: string[] = [];
  const unused: string[] = [];
  for (const name of [...buildArgs.keys()].sort()) {
    if (declared.has(name) || isBuiltinArg(name)) used.push(name);
    else unused.push(name);
  }
  return { used, unused };
}

/** The docker build warning for build-args no ARG declared. */
export function unusedBuildArgsMessage(names: readonly string[]): string {
  return `[Warning] One or more build-args [${names.join(' ')}] were not consumed`;
}
