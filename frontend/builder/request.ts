/**
 * What one build is asked to do ({@link BuildRequest}) and what it gave
 * ({@link BuildOutcome}): everything per build, nothing long-lived (that is
 * the {@link Worker}'s). The CLI turns `kiln build` flags into a request.
 */
import type { Platform } from '../../oci/index.js';
import type { CacheFromSpec, CacheToSpec } from '../../remotecache/index.js';
import type { RunSpec } from '../../executor/index.js';
import type { Descriptor } from '../../store/index.js';
import type { NamedContexts } from '../plan/index.js';

/**
 * Where the result goes: the local image store (named by the request's tags),
 * or, with `dest`, an OCI or docker archive of the image, a tar of the final
 * rootfs, or the rootfs copied into a directory.
 */
export type BuildOutput =
  | { readonly type: 'image'; readonly push?: true }
  | { readonly type: 'oci' | 'docker' | 'tar' | 'local'; readonly dest: string };

/** An archive output's `dest` that means the process's stdout (`-o -`); nothing else is written there then. */
export const STDOUT_DEST = '-';

/** What buildx's flags add to every RUN step's container. */
export type RunExtras = Pick<RunSpec, 'extraHosts' | 'shmSize' | 'rlimits'>;

/** One build. */
export interface BuildRequest {
  /** The build context directory (absolute). */
  readonly contextDir: string;
  /**
   * The Dockerfile: `filename` as errors name it, its `text`, and its host
   * `path` (where `Dockerfile.dockerignore` is looked for; undefined: only the context's `.dockerignore`).
   */
  readonly dockerfile: { readonly filename: string; readonly text: string; readonly path?: string | undefined };
  /** `--build-arg`: undefined values are declared but unset (`--build-arg K` with K not in the environment). */
  readonly buildArgs: Readonly<Record<string, string | undefined>>;
  readonly target?: string | undefined;
  /** `--label`: added to the image config. */
  readonly labels?: Readonly<Record<string, string>>;
  /** `--network`: the network of RUN steps that do not say (`RUN --network`). @default 'host' */
  readonly network?: 'host' | 'none';
  /** `--secret` values by id, for `RUN --mount=type=secret`; never part of a cache key, a layer or the history. */
  readonly secrets?: ReadonlyMap<string, Buffer>;
  /** @default the host's */
  readonly platform?: Platform;
  /** `--no-cache`: run every step (results are still recorded). */
  readonly noCache: boolean;
  /** `--pull`: check registries for a newer base image even when one is stored. */
  readonly pull?: boolean;
  /** The environment the predefined proxy ARGs are read from. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `-t`: names the image gets in the local store (an `image` output) and is pushed to (`push`). */
  readonly tags?: readonly string[];
  /** `-o`: where the result goes. @default one `image` output */
  readonly outputs?: readonly BuildOutput[];
  /** `--push`: push the image to every tag's registry. */
  readonly push?: boolean;
  /** `--cache-from`: cache images imported before solving (ignored with noCache). */
  readonly cacheFrom?: readonly CacheFromSpec[];
  /** `--cache-to`: cache images written after a successful solve. */
  readonly cacheTo?: readonly CacheToSpec[];
  /** `SOURCE_DATE_EPOCH` (seconds): clamps layer mtimes and sets `created`, for reproducible images. */
  readonly sourceDateEpoch?: number | undefined;
  /** How many steps may run at once. @default the CPU count */
  readonly maxParallelism?: number;
  /** `--build-context NAME=docker-image://REF|target:STAGE`: what FROM NAME and `--from=NAME` read instead. */
  readonly contexts?: NamedContexts;
  /** `--annotation`: added to the image manifest. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** `--no-cache-filter`: stages (by name or index) whose steps ignore the cache. */
  readonly noCacheFilter?: readonly string[];
  /** `--add-host`, `--shm-size`, `--ulimit`: every RUN step's container; part of RUN's cache key, as in BuildKit. */
  readonly runExtras?: RunExtras;
  /** `--ssh`: agent sockets by id, for `RUN --mount=type=ssh`; never part of a cache key. */
  readonly sshAgents?: ReadonlyMap<string, string>;
  /** `--provenance`, `--sbom`, `--attest`: attestations attached to the image (which is then stored and pushed as an index). */
  readonly attest?: AttestRequest;
}

/** The attestations a build attaches, as BuildKit does (see frontend/attest). */
export interface AttestRequest {
  /** A SLSA v0.2 provenance statement; `min` leaves out build-arg values, secret ids and the build steps. */
  readonly provenance?: {
    readonly mode: 'min' | 'max';
    /** `builder-id=`: the predicate's `builder.id` (BuildKit leaves it empty otherwise). */
    readonly builderId?: string;
    /** `reproducible=true`: marks the build reproducible in the metadata. @default false */
    readonly reproducible?: boolean;
  };
  /** An SPDX SBOM of the final rootfs's package databases. */
  readonly sbom?: boolean;
}

/** What a build produced. */
export interface BuildOutcome {
  /** The image config's digest (what `docker build` prints). */
  readonly imageId: string;
  /** What the image is stored (and pushed) as: its manifest, or with attestations the index holding it and them. */
  readonly manifest: Descriptor;
  /** The names it was stored under (normalized tags; empty without an `image` output or tags). */
  readonly names: readonly string[];
  /** What `push` sent: the reference and the manifest digest the registry has. */
  readonly pushed: readonly { readonly ref: string; readonly digest: string; readonly size: number }[];
}
