import type { BackoffSchedule } from '@lab/backoff';

/** Something a stage checks: an instance, a node, a database replica. */
export interface Target {
  /** Unique within a cascade, e.g. an instance id. */
  id: string;
  /** A name for people, e.g. `zookeeper-1`; defaults to the id in messages. */
  label?: string;
}

/** What a stage saw about one target in one round. */
export interface Observation {
  ready: boolean;
  /** One line a person can act on: `pending`, `PingStatus ConnectionLost`, `HTTP 503 from /admin/v2/brokers/health`. */
  detail: string;
  /**
   * The target can never become ready (e.g. the instance was terminated): the stage fails at
   * once instead of waiting for its timeout.
   */
  terminal?: boolean;
  /** Structured facts for machines (JSON-serialisable). */
  data?: Record<string, unknown>;
}

/** A stage's observations, keyed by target id. A target without one counts as not ready. */
export type Observations = ReadonlyMap<string, Observation> | Readonly<Record<string, Observation>>;

/** What a stage's `observe` knows about the round it serves. */
export interface ObserveContext {
  /** The stage's name. */
  stage: string;
  /** 1 for the stage's first round. */
  attempt: number;
  /** Milliseconds since the stage started. */
  elapsedMs: number;
  /** The stage gives up at this absolute clock time: bound long calls (e.g. a remote command) by it. */
  deadline: number;
  /** Milliseconds left until `deadline`. */
  remainingMs: number;
  /** Aborts when the cascade is aborted; pass it to API calls. */
  signal: AbortSignal | undefined;
}

/** One step of a cascade. Stages are data: build them for any fleet (Kafka, Postgres, …). */
export interface Stage<T extends Target = Target> {
  /** Shown in events and errors: `SSM agent online`. */
  name: string;
  /** How long this stage may take, from its start. */
  timeoutMs: number;
  /**
   * Observes the targets once. Called immediately when the stage starts, then after each delay
   * of the schedule, until every target is ready in the same round.
   */
  observe(targets: readonly T[], context: ObserveContext): Observations | Promise<Observations>;
  /** Polling schedule for this stage; default: the cascade's schedule. */
  schedule?: BackoffSchedule;
  /** Short label for progress displays (`SSM online 7/9`); default: the name. */
  progressLabel?: string;
  /** Errors from `observe` for which this returns true mean "not ready yet, try again". */
  isTransientError?: (error: unknown) => boolean;
  /** Which of the cascade's targets this stage checks; default: all of them. */
  appliesTo?: (target: T) => boolean;
  /** What to look at when this stage fails; becomes the error's hint. */
  hint?: string;
}

/** A target that was not ready when its stage failed, with what was last seen about it. */
export interface NotReadyTarget<T extends Target = Target> {
  target: T;
  observation: Observation;
}

/** How a passed stage went. */
export interface StageReport {
  name: string;
  elapsedMs: number;
  /** Rounds of observation, including the one that passed. */
  attempts: number;
  targets: number;
}

/** What a successful cascade returns. */
export interface CascadeReport {
  elapsedMs: number;
  stages: StageReport[];
}
