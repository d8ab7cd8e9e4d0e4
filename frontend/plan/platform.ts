/**
 * The platform build ARGs (TARGETPLATFORM, BUILDOS, …). Parsing and printing
 * platforms is the oci/ leaf's one parser.
 * See https://docs.docker.com/build/building/variables/#multi-platform-build-arguments
 */
import { formatPlatform, type Platform } from '../../oci/index.js';

/**
 * The value of the predefined `TARGETSTAGE` ARG (BuildKit's `defaultArgs`):
 * `--target` as given, else the last stage's name, else `default`.
 */
export function targetStageName(target: string | undefined, lastStageName: string | null | undefined): string {
  if (target !== undefined && target !== '') return target;
  return lastStageName === null || lastStageName === undefined || lastStageName === '' ? 'default' : lastStageName;
}

/** The predefined platform ARGs and TARGETSTAGE, in BuildKit's order. */
export function platformArgs(target: Platform, build: Platform, targetStage: string): [string, string][] {
  return [
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
    ['TARGETSTAGE', targetStage],
  ];
}
