/**
 * in-toto statements (https://github.com/in-toto/attestation/blob/main/spec/v0.1.0/statement.md)
 * about an image manifest, as BuildKit's image exporter makes them: one
 * subject per image name (`pkg:docker/NAME@TAG?platform=…`) whose digest is
 * the image manifest's.
 */
import type { Platform } from '../../oci/index.js';
import type { StatementBlob } from '../../store/index.js';
import type { Digest } from '../../util/digest.js';
import { imagePurl } from './purl.js';

/** The statement type BuildKit writes with a SLSA v0.2 predicate. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v0.1';

export interface Subject {
  readonly name: string;
  readonly digest: { readonly sha256: string };
}

/** The subjects of statements about `manifest` named `names` (normalized); `_` when the image has no name (in-toto's placeholder). */
export function imageSubjects(names: readonly string[], manifest: Digest, platform: Platform): Subject[] {
  const digest = { sha256: manifest.slice('sha256:'.length) };
  if (names.length === 0) return [{ name: '_', digest }];
  return names.map((n) => ({ name: imagePurl(n, platform), digest }));
}

/** A predicate made into a statement about `subjects`, serialized. */
export function statement(predicateType: string, predicate: unknown, subjects: readonly Subject[]): StatementBlob {
  const body = { _type: STATEMENT_TYPE, predicateType, subject: subjects, predicate };
  return { predicateType, bytes: Buffer.from(JSON.stringify(body)) };
}
