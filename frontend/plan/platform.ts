/**
 * Platform strings (`linux/arm64/v8`) as containerd's `platforms` package
 * reads and writes them, for `FROM --platform` and the TARGET and BUILD ARGs.
 * See https://docs.docker.com/build/building/variables/#multi-platform-build-arguments
 */
import type { Platform } from '../../store/index.js';

const archAliases: Readonly<Record<string, string>> = {
  x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386', armhf: 'arm', armel: 'arm',
};
const knownOS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'ios', 'js', 'wasip1', 'plan9', 'dragonfly']);

/** `os/arch[/variant]` (containerd's `platforms.Format`). */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant ?? ''].filter((s) => s !== '').join('/');
}

function withVariant(os: string, architecture: string, variant: string | undefined): Platform {
  return variant === undefined || variant === '' ? { os, architecture } : { os, architecture, variant };
}

/**
 * Reads a platform string; `defaults` fills what it leaves out (`linux`
 * alone keeps the default architecture). Throws an `Error` naming the value.
 */
export function parsePlatform(text: string, defaults: Platform): Platform {
  const parts = text.toLowerCase().split('/');
  if (parts.some((p) => p === '' || !/^[a-z0-9_.-]+$/.test(p)) || parts.length > 3) {
    throw new Error(`"${text}": invalid platform: expected os/arch[/variant]`);
  }
  const [first = '', second, third] = parts;
  if (parts.length === 1) {
    if (knownOS.has(first)) return withVariant(first, defaults.architecture, defaults.os === first ? defaults.variant : undefined);
    return withVariant(defaults.os, archAliases[first] ?? first, undefined);
  }
  if (!knownOS.has(first)) throw new Error(`"${text}": unknown operating system or architecture: invalid argument`);
  return withVariant(first, archAliases[second ?? ''] ?? second ?? '', third);
}

/** The predefined platform ARGs, in BuildKit's order. */
export function platformArgs(target: Platform, build: Platform): [string, string][] {
  return [
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
  ];
}
