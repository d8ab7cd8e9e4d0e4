/**
 * Fakes for solver tests (BuildKit's scheduler_test.go style): ops that count
 * their calls, sleep, log, fail; results that know whether they were
 * released; a loader over the results "on disk"; a progress recorder.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256 } from '../util/digest.js';
import type { ProgressEvent, ProgressWriter } from './progress.js';
import type { CacheMapDep, Edge, Op, OpContext, Result, ResultLoader, Vertex } from './types.js';
import { createVertex } from './vertex.js';

/** A reference to a fake result; `release` twice is a test failure. */
export class FakeResult implements Result {
  readonly id: string;
  released = 0;
  readonly #world: World;
  constructor(world: World, id: string) {
    this.id = id;
    this.#world = world;
  }
  async release(): Promise<void> {
    this.released++;
    if (this.released > 1) this.#world.doubleReleases.push(this.id);
  }
}

/** Everything the fakes share: results created (references), ids persisted, content per id. */
export class World {
  readonly refs: FakeResult[] = [];
  /** Ids a loader can bring back (a snapshot "on disk"); delete one to simulate GC. */
  readonly persisted = new Set<string>();
  /** The "content" of each result id, for content-based cache keys. */
  readonly content = new Map<string, string>();
  readonly doubleReleases: string[] = [];
  #next = 0;

  /** A new result (one reference) with a fresh id. */
  create(name: string, content: string): FakeResult {
    const id = `${name}#${++this.#next}`;
    this.persisted.add(id);
    this.content.set(id, content);
    return this.ref(id);
  }

  ref(id: string): FakeResult {
    const r = new FakeResult(this, id);
    this.refs.push(r);
    return r;
  }

  readonly loader: ResultLoader = async (id) => (this.persisted.has(id) ? this.ref(id) : undefined);

  /** Ids of references never released. */
  live(): string[] {
    return this.refs.filter((r) => r.released === 0).map((r) => r.id);
  }
}

/** How a fake op behaves. */
export interface FakeOpInit {
  /** Its cache map digest material (change it to invalidate). @default 'v1' */
  readonly key?: string;
  readonly sleepMs?: number;
  /** Fails exec with this message (after sleeping). */
  readonly fail?: string;
  /** Fails cacheMap with this message. */
  readonly failCacheMap?: string;
  /** Keeps sleeping when aborted, then returns normally. */
  readonly ignoreAbort?: boolean;
  readonly outputs?: number;
  readonly deps?: readonly CacheMapDep[];
  /** Written to stdout as bytes during exec. */
  readonly log?: Uint8Array;
  /** The content its results carry. @default its name */
  readonly content?: string;
}

/** An op that counts calls and records what it saw. */
export class FakeOp implements Op {
  readonly name: string;
  readonly init: FakeOpInit;
  readonly #world: World;
  cacheMapCalls = 0;
  execCalls = 0;
  aborted = false;
  startedAt = 0;
  endedAt = 0;
  inputIds: string[] = [];

  constructor(world: World, name: string, init: FakeOpInit = {}) {
    this.#world = world;
    this.name = name;
    this.init = init;
  }

  async cacheMap(): Promise<{ digest: string; deps: readonly CacheMapDep[] }> {
    this.cacheMapCalls++;
    if (this.init.failCacheMap !== undefined) throw new Error(this.init.failCacheMap);
    return { digest: sha256(`${this.name}:${this.init.key ?? 'v1'}`), deps: this.init.deps ?? [] };
  }

  async exec(ctx: OpContext, inputs: readonly Result[]): Promise<Result[]> {
    this.execCalls++;
    this.startedAt = Date.now();
    this.inputIds = inputs.map((r) => r.id);
    if (this.init.log) ctx.log('stdout', this.init.log);
    try {
      await this.#sleep(ctx.signal);
      if (this.init.fail !== undefined) throw new Error(this.init.fail);
      return Array.from({ length: this.init.outputs ?? 1 }, (_, i) => this.#world.create(`${this.name}.${i}`, this.init.content ?? this.name));
    } finally {
      this.endedAt = Date.now();
    }
  }

  async #sleep(signal: AbortSignal): Promise<void> {
    const ms = this.init.sleepMs ?? 0;
    if (ms === 0) return;
    try {
      await sleep(ms, undefined, this.init.ignoreAbort === true ? {} : { signal });
    } catch (err) {
      this.aborted = true;
      throw err;
    } finally {
      if (signal.aborted) this.aborted = true;
    }
  }
}

/** A vertex over a fake op; the definition is the op's name and key. */
export function fakeVertex(op: FakeOp, inputs: readonly (Vertex | Edge)[] = [], options: { ignoreCache?: boolean } = {}): Vertex {
  const edges = inputs.map((i): Edge => ('vertex' in i ? i : { vertex: i, index: 0 }));
  return createVertex({ name: op.name, op, def: { name: op.name, key: op.init.key ?? 'v1' }, inputs: edges, options });
}

/** The edge to output 0 of `v`. */
export const edge = (v: Vertex, index = 0): Edge => ({ vertex: v, index });

/** Records progress events. */
export class Recorder implements ProgressWriter {
  readonly events: ProgressEvent[] = [];
  write(ev: ProgressEvent): void {
    this.events.push(ev);
  }
  /** Names of the vertices with an event of `type`, in order. */
  names(type: ProgressEvent['type']): string[] {
    return this.events.filter((e) => e.type === type).map((e) => e.vertex.name);
  }
  /** One line per event, e.g. `started a`, `log a stdout "x"`. */
  lines(): string[] {
    return this.events.map(describe);
  }
}

function describe(ev: ProgressEvent): string {
  switch (ev.type) {
    case 'vertex.started':
    case 'vertex.cached':
    case 'vertex.completed':
    case 'vertex.canceled':
      return `${ev.type.slice('vertex.'.length)} ${ev.vertex.name}`;
    case 'vertex.log':
      return `log ${ev.vertex.name} ${ev.stream} ${JSON.stringify(ev.data)}`;
    case 'vertex.error':
      return `error ${ev.vertex.name} ${ev.message}`;
    default: {
      const never: never = ev;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}
