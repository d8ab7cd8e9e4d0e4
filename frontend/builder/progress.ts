/**
 * What a build reports while it runs (DESIGN.md "Progress is data"): the
 * solver's vertex events plus a few build-level events for work outside the
 * solver (kiln's own phases, warnings). The builder emits them; `cli/render`
 * draws them.
 */
import type { ProgressEvent } from '../../solver/index.js';

/**
 * One of kiln's own phases began, drawn like a vertex (BuildKit shows
 * `[internal] load build definition from Dockerfile`, `exporting to image`).
 * `step` is an id the emitter picks, unique within the build.
 */
export interface BuildStepStartedEvent {
  readonly type: 'build.step.started';
  readonly step: string;
  readonly name: string;
  readonly time: number;
}

/**
 * A sub-task of a step, identified by its text (as BuildKit's status ids are):
 * `done: false` when it begins, `done: true` when it ends; a lone `done: true`
 * is an instant sub-task (`naming to docker.io/library/app:latest`).
 */
export interface BuildStepStatusEvent {
  readonly type: 'build.step.status';
  readonly step: string;
  readonly status: string;
  readonly done: boolean;
  readonly time: number;
}

/** A step finished successfully. */
export interface BuildStepCompletedEvent {
  readonly type: 'build.step.completed';
  readonly step: string;
  readonly time: number;
  readonly durationMs: number;
}

/** A step failed; `message` is drawn as `#N ERROR: message`. */
export interface BuildStepErrorEvent {
  readonly type: 'build.step.error';
  readonly step: string;
  readonly time: number;
  readonly durationMs: number;
  readonly message: string;
}

/** A step was stopped because the build was aborted. */
export interface BuildStepCanceledEvent {
  readonly type: 'build.step.canceled';
  readonly step: string;
  readonly time: number;
  readonly durationMs: number;
}

/** Something the user should fix but that does not stop the build (an unused `--build-arg`). */
export interface BuildWarningEvent {
  readonly type: 'build.warning';
  readonly message: string;
  readonly time: number;
}

/** Build-level events; a closed union: switch on `type` with a `never` default. */
export type BuildEvent =
  | BuildStepStartedEvent
  | BuildStepStatusEvent
  | BuildStepCompletedEvent
  | BuildStepErrorEvent
  | BuildStepCanceledEvent
  | BuildWarningEvent;

/** Everything a build reports: the solver's events and its own. */
export type BuildProgressEvent = ProgressEvent | BuildEvent;

/** Receives a build's events. `write` must not throw and must not block. */
export interface BuildProgress {
  write(ev: BuildProgressEvent): void;
}
