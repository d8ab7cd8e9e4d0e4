/**
 * kiln's fixed set of error classes. Each has a stable `code`; callers branch
 * on the class (or the `isX` helpers, which walk `cause`), never on message text.
 * Messages are lowercase and name their subject.
 */

/** Stable error codes, one per class. */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'NOT_IMPLEMENTED'
  | 'DOCKERFILE_SYNTAX'
  | 'SHELL_EXPANSION'
  | 'VERTEX'
  | 'CANCELED'
  | 'EXIT'
  | 'REGISTRY';

/** Base class of every error kiln raises on purpose. */
export abstract class KilnError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The named thing (file, image, blob, stage) does not exist. */
export class NotFoundError extends KilnError {
  readonly code = 'NOT_FOUND';
}

/** The named thing exists already and may not be replaced. */
export class AlreadyExistsError extends KilnError {
  readonly code = 'ALREADY_EXISTS';
}

/** The caller gave a bad value: a flag, an argument, a reference. */
export class InvalidArgumentError extends KilnError {
  readonly code = 'INVALID_ARGUMENT';
}

/** The system is not in a state that allows the operation. */
export class FailedPreconditionError extends KilnError {
  readonly code = 'FAILED_PRECONDITION';
}

/**
 * The file system under kiln's root is full (ENOSPC or EDQUOT while kiln wrote
 * there): one line saying what was being done and where to free space. A
 * precondition, since the same command succeeds once space is freed.
 */
export class NoSpaceError extends FailedPreconditionError {
  /** What kiln was doing, e.g. `copying files for [2/3] COPY big /big`. */
  readonly doing: string;
  readonly root: string;
  constructor(doing: string, root: string, options?: { cause?: unknown }) {
    super(`no space left on device while ${doing}, free space under ${root}`, options);
    this.doing = doing;
    this.root = root;
  }
}

/** A dependency (runtime, registry, host tool) is not reachable or missing. */
export class UnavailableError extends KilnError {
  readonly code = 'UNAVAILABLE';
}

/** Stored data is damaged: a blob whose bytes do not match its digest (containerd errdefs' DataLoss). */
export class DataLossError extends KilnError {
  readonly code = 'DATA_LOSS';
}

/** A capability kiln does not have yet; always says which. */
export class NotImplementedError extends KilnError {
  readonly code = 'NOT_IMPLEMENTED';
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what}: not implemented`, options);
  }
}

/** Walks an error and its `cause` chain, returning the first match of `cls`. */
export function findError<T extends Error>(err: unknown, cls: abstract new (...args: never[]) => T): T | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur instanceof Error && depth < 32; depth++) {
    if (cur instanceof cls) return cur;
    cur = cur.cause;
  }
  return undefined;
}
