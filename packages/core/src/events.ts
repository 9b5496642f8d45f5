import { type Clock, systemClock } from './time.js';

export type LabEventLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A structured event. Libraries emit events instead of writing to stdout; a CLI decides how
 * to render them (live view, plain lines, NDJSON) and the experiment store logs them.
 */
export interface LabEvent {
  /** Dotted, stable name such as `ssm.command.sent` or `cascade.stage.passed`. */
  type: string;
  level: LabEventLevel;
  /** ISO-8601 timestamp taken from the emitter's clock. */
  time: string;
  /** The emitting library, e.g. `@lab/ssm-runner`. */
  source: string;
  /** One human-readable line. */
  message: string;
  /** Structured facts for machines; JSON-serialisable. */
  data?: Record<string, unknown>;
}

/** Receives events. Must not throw; must not block. */
export type EventSink = (event: LabEvent) => void;

export interface Emitter {
  emit(type: string, message: string, data?: Record<string, unknown>, level?: LabEventLevel): void;
  /** An emitter for a sub-part of the same library: `child('stage')` prefixes types with `stage.`. */
  child(prefix: string): Emitter;
}

export interface EmitterOptions {
  source: string;
  sink?: EventSink | undefined;
  clock?: Clock | undefined;
  /** Prepended to every event type, joined with a dot. */
  prefix?: string;
}

/** Sink that drops everything: the default when a caller does not listen. */
export const nullSink: EventSink = () => {};

export function createEmitter(options: EmitterOptions): Emitter {
  const sink = options.sink ?? nullSink;
  const clock = options.clock ?? systemClock;
  const prefix = options.prefix;
  return {
    emit(type, message, data, level = 'info') {
      const event: LabEvent = {
        type: prefix === undefined ? type : `${prefix}.${type}`,
        level,
        time: new Date(clock.now()).toISOString(),
        source: options.source,
        message,
        ...(data === undefined ? {} : { data }),
      };
      sink(event);
    },
    child(childPrefix) {
      return createEmitter({
        ...options,
        prefix: prefix === undefined ? childPrefix : `${prefix}.${childPrefix}`,
      });
    },
  };
}

/** Delivers every event to each of `sinks`. */
export function fanOut(...sinks: EventSink[]): EventSink {
  return (event) => {
    for (const sink of sinks) sink(event);
  };
}

/** A sink that keeps events in memory, for tests and for summaries. */
export function collectEvents(): { sink: EventSink; events: LabEvent[] } {
  const events: LabEvent[] = [];
  return { sink: (event) => events.push(event), events };
}

/** One NDJSON line for `event` (no trailing newline). */
export function formatEventJson(event: LabEvent): string {
  return JSON.stringify(event);
}

/** A plain, timestamped line for non-TTY output and human logs. */
export function formatEventLine(event: LabEvent): string {
  const level = event.level === 'info' ? '' : ` ${event.level.toUpperCase()}`;
  return `${event.time}${level} [${event.source}] ${event.message}`;
}
