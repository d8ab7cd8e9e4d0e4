/**
 * The build cache records an export writes and an import restores: the
 * solver's own (`solve` returns those of the steps it reached), so there is
 * one definition of a record.
 */
import type { CacheRecord, CacheStore } from '../solver/index.js';

export type StepRecord = CacheRecord;

/** The part of the solver's cache store that an import fills. */
export type StepIndex = Pick<CacheStore, 'get' | 'set'>;
