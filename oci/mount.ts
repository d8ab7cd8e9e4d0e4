/**
 * Mounts as data (containerd's `mount.Mount`): the snapshotter returns them,
 * only executor/ performs them. A runtime-spec mount is the same thing placed
 * at a destination inside the container.
 * See https://github.com/opencontainers/runtime-spec/blob/main/config.md#mounts
 */

/** A mount to perform: `bind`, `overlay`, `tmpfs`, … with its source and options. */
export interface Mount {
  readonly type: string;
  readonly source: string;
  readonly options: readonly string[];
}

/** A {@link Mount} at a path in the container, as written into config.json. */
export interface OciMount extends Mount {
  readonly destination: string;
}
