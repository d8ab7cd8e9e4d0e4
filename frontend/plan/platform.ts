/**
 * The platform build ARGs (TARGETPLATFORM, BUILDOS, …). Parsing and printing
 * platforms is the oci/ leaf's one parser.
 * See https://docs.docker.com/build/building/variables/#multi-platform-build-arguments
 */
import { formatPlatform, type Platform } from '../../oci/index.js';

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
