/** Typed progress events of pull and push (the CLI draws them; see cli/). */
import type { Digest } from '../util/digest.js';

/** What happened to one blob. */
export type BlobStatus =
  | 'exists' // the destination has it already (local store or registry)
  | 'downloaded'
  | 'waiting' // another kiln sharing the root is downloading it; used once it is stored
  | 'compressed'
  | 'mounted' // cross-repository mount
  | 'pushed';

export type RegistryProgress =
  | { readonly kind: 'resolved'; readonly ref: string; readonly digest: Digest; readonly mediaType: string }
  | { readonly kind: 'blob'; readonly digest: Digest; readonly status: BlobStatus; readonly size: number }
  | { readonly kind: 'retry'; readonly what: string; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: 'manifest'; readonly ref: string; readonly digest: Digest };

export type ProgressSink = (event: RegistryProgress) => void;
