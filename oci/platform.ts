/**
 * The one platform parser: `os/arch[/variant]` strings as containerd's
 * `platforms` package reads and writes them. Used by `FROM --platform`, the
 * TARGET/BUILD ARGs, `kiln build --platform` and `kiln pull --platform`, so
 * each accepts and normalises the same spellings and fails the same way.
 * See https://github.com/opencontainers/image-spec/blob/main/image-index.md#platform-variants
 */
import { InvalidArgumentError } from '../util/errors.js';

export interface Platform {
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
}

const archAliases: Readonly<Record<string, string>> = {
  x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386', armhf: 'arm', armel: 'arm',
};
const knownOS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'js', 'wasip1', 'plan9', 'dragonfly']);

/** Node's `process.arch` in OCI (GOARCH) terms; kiln runs linux containers only. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return { architecture: arch[process.arch] ?? process.arch, os: 'linux' };
}

/** `os/arch[/variant]` (containerd's `platforms.Format`). */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant ?? ''].filter((s) => s !== '').join('/');
}

function withVariant(os: string, architecture: string, variant: string | undefined): Platform {
  return variant === undefined || variant === '' ? { os, architecture } : { os, architecture, variant };
}

/**
 * Reads a platform string, lower-cased and with arch aliases resolved
 * (`x86_64` → `amd64`). `defaults` (the caller's: usually the host, for a
 * stage the build's target) fills what the text leaves out: `linux` alone
 * keeps the default architecture, `arm64` alone the default OS.
 * Throws {@link InvalidArgumentError} naming the value.
 */
export function parsePlatform(text: string, defaults: Platform): Platform {
  const parts = text.toLowerCase().split('/');
  if (parts.some((p) => p === '' || !/^[a-z0-9_.-]+$/.test(p)) || parts.length > 3) {
    throw new InvalidArgumentError(`"${text}": invalid platform: expected os/arch[/variant]`);
  }
  const [first = '', second, third] = parts;
  if (parts.length === 1) {
    if (knownOS.has(first)) return withVariant(first, defaults.architecture, defaults.os === first ? defaults.variant : undefined);
    return withVariant(defaults.os, archAliases[first] ?? first, undefined);
  }
  if (!knownOS.has(first)) throw new InvalidArgumentError(`"${text}": unknown operating system or architecture: invalid argument`);
  return withVariant(first, archAliases[second ?? ''] ?? second ?? '', third);
}
