import { type BackoffSchedule, formatDuration, PollTimeoutError, pollUntil } from '@lab/backoff';
import {
  AbortedError,
  abortReason,
  type Clock,
  createEmitter,
  type Emitter,
  type EventSink,
  errorMessage,
  type Sleep,
  systemClock,
  ValidationError,
  type ValidationIssue,
} from '@lab/core';
import { CascadeStageError, type StageFailureReason } from './errors.js';
import type {
  CascadeReport,
  NotReadyTarget,
  Observation,
  Observations,
  Stage,
  StageReport,
  Target,
} from './types.js';

/** The events' `source`. */
export const EVENT_SOURCE = '@lab/health-cascade';

/**
 * The default polling schedule of a stage: 1 s, ×1.5, capped at 2 s. Readiness is noticed
 * within about a second — a 5 s ×1.5 ≤ 30 s schedule would notice it up to 30 s late.
 */
export const FAST_SCHEDULE: Required<BackoffSchedule> = {
  initialDelayMs: 1000,
  factor: 1.5,
  maxDelayMs: 2000,
  jitter: 0,
};

export interface CascadeOptions<T extends Target> {
  /** Run in this order; each starts as soon as the previous one passed. */
  stages: readonly Stage<T>[];
  targets: readonly T[];
  /** Default schedule for stages that have none. Default FAST_SCHEDULE. */
  schedule?: BackoffSchedule;
  /** An absolute clock time no stage may pass, on top of each stage's own timeout. */
  deadline?: number;
  signal?: AbortSignal;
  events?: EventSink;
  /**
   * Called (and awaited) when a stage fails — not when the cascade is aborted. The orchestrator
   * starts cleanup here. If it throws, the stage failure is still what `runCascade` rejects
   * with; the hook's error is attached as `onFailureError` and emitted as an error event.
   */
  onFailure?: (error: CascadeStageError<T>) => void | Promise<void>;
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
}

/** Marks a round that saw a terminal observation; never treated as transient. */
class TerminalRound extends Error {}

/**
 * Runs the stages in order. Each stage observes its targets until all are ready in the same
 * round, fails fast on a terminal observation, and fails when its timeout passes. Resolves with
 * per-stage timings; rejects with CascadeStageError (after awaiting `onFailure`) or, when
 * aborted, with AbortedError.
 */
export async function runCascade<T extends Target>(options: CascadeOptions<T>): Promise<CascadeReport> {
  const clock = options.clock ?? systemClock;
  const emitter = createEmitter({ source: EVENT_SOURCE, sink: options.events, clock, prefix: 'cascade' });
  assertUniqueTargets(options.targets);
  const start = clock.now();
  emitter.emit(
    'started',
    `Health cascade: ${options.stages.map((stage) => stage.name).join(' → ')} for ${options.targets.length} target(s)`,
    { stages: options.stages.map((stage) => stage.name), targets: options.targets.length },
  );
  const reports: StageReport[] = [];
  for (const stage of options.stages) {
    try {
      reports.push(await runStage(stage, options, emitter.child('stage'), clock));
    } catch (error) {
      if (error instanceof CascadeStageError) {
        emitter.emit(
          'failed',
          `Health cascade failed at "${stage.name}" after ${formatDuration(clock.now() - start)}`,
          { stage: stage.name, elapsedMs: clock.now() - start },
          'error',
        );
        await callOnFailure(options, error as CascadeStageError<T>, emitter);
      }
      throw error;
    }
  }
  const elapsedMs = clock.now() - start;
  emitter.emit('passed', `Cluster healthy: every stage passed in ${formatDuration(elapsedMs)}`, {
    elapsedMs,
    stages: reports,
  });
  return { elapsedMs, stages: reports };
}

async function runStage<T extends Target>(
  stage: Stage<T>,
  options: CascadeOptions<T>,
  emitter: Emitter,
  clock: Clock,
): Promise<StageReport> {
  const targets = stage.appliesTo === undefined ? options.targets : options.targets.filter(stage.appliesTo);
  const label = stage.progressLabel ?? stage.name;
  const total = targets.length;
  const start = clock.now();
  const deadline = Math.min(start + stage.timeoutMs, options.deadline ?? Number.POSITIVE_INFINITY);
  const last = new Map<string, Observation>();
  let attempts = 0;
  let lastError: unknown;
  const doneCount = () => targets.filter((target) => last.get(target.id)?.ready === true).length;
  const progress = () => ({ done: doneCount(), total, label });

  emitter.emit(
    'started',
    `${stage.name}: waiting for ${total} target(s) (timeout ${formatDuration(stage.timeoutMs)})`,
    { stage: stage.name, timeoutMs: stage.timeoutMs, targets: total, progress: progress() },
  );

  const fail = (reason: StageFailureReason, cause?: unknown): CascadeStageError<T> => {
    const notReady: NotReadyTarget<T>[] = targets
      .filter((target) => last.get(target.id)?.ready !== true)
      .map((target) => ({
        target,
        observation: last.get(target.id) ?? {
          ready: false,
          detail: lastError === undefined ? 'never observed' : `never observed (${errorMessage(lastError)})`,
        },
      }));
    const elapsedMs = clock.now() - start;
    const error = new CascadeStageError<T>({
      stage: stage.name,
      reason,
      elapsedMs,
      attempts,
      notReady,
      targets: total,
      hint: stage.hint,
      cause: cause ?? (reason === 'timeout' ? lastError : undefined),
    });
    emitter.emit('failed', error.message, { ...error.details, progress: progress() }, 'error');
    return error;
  };

  if (total === 0) {
    emitter.emit('passed', `${stage.name}: no targets, passed`, {
      stage: stage.name,
      elapsedMs: 0,
      progress: progress(),
    });
    return { name: stage.name, elapsedMs: 0, attempts: 0, targets: 0 };
  }

  const isTransient = stage.isTransientError ?? (() => false);
  try {
    await pollUntil(
      async ({ attempt, elapsedMs, signal }) => {
        attempts = attempt;
        const observations = toMap(
          await stage.observe(targets, {
            stage: stage.name,
            attempt,
            elapsedMs,
            deadline,
            remainingMs: deadline - clock.now(),
            signal,
          }),
        );
        lastError = undefined;
        for (const target of targets) {
          const observation = observations.get(target.id) ?? {
            ready: false,
            detail: 'no observation in this round',
          };
          const before = last.get(target.id);
          last.set(target.id, observation);
          if (
            before === undefined ||
            before.ready !== observation.ready ||
            before.detail !== observation.detail ||
            before.terminal !== observation.terminal
          ) {
            const name = target.label ?? target.id;
            emitter.emit(
              'target',
              `${stage.name}: ${name} ${observation.ready ? 'ready' : 'not ready'} (${observation.detail})`,
              {
                stage: stage.name,
                target: target.id,
                ...(target.label === undefined ? {} : { label: target.label }),
                ready: observation.ready,
                detail: observation.detail,
                ...(observation.terminal === true ? { terminal: true } : {}),
                progress: progress(),
              },
              'debug',
            );
          }
        }
        if (targets.some((target) => last.get(target.id)?.terminal === true)) throw new TerminalRound();
        return doneCount() === total;
      },
      {
        until: (allReady) => allReady,
        deadline,
        ...(stage.schedule ?? options.schedule ?? FAST_SCHEDULE),
        isTransientError: (error) => !(error instanceof TerminalRound) && isTransient(error),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
        ...(options.random === undefined ? {} : { random: options.random }),
        description: stage.name,
        onAttempt: (info) => {
          if (info.error !== undefined) lastError = info.error;
          if (info.done || info.nextDelayMs === undefined) return;
          const problem = info.error === undefined ? '' : ` (check failed: ${errorMessage(info.error)})`;
          emitter.emit(
            'round',
            `${stage.name}: ${doneCount()}/${total} ready${problem}, next check in ${formatDuration(info.nextDelayMs)}`,
            {
              stage: stage.name,
              attempt: info.attempt,
              nextDelayMs: info.nextDelayMs,
              ...(info.error === undefined ? {} : { error: errorMessage(info.error) }),
              progress: progress(),
            },
            'debug',
          );
        },
      },
    );
  } catch (error) {
    if (options.signal?.aborted === true) {
      emitter.emit('aborted', `${stage.name}: aborted after ${formatDuration(clock.now() - start)}`, {
        stage: stage.name,
        elapsedMs: clock.now() - start,
        progress: progress(),
      });
      throw abortReason(options.signal);
    }
    if (error instanceof AbortedError) throw error;
    if (error instanceof TerminalRound) throw fail('terminal');
    if (error instanceof PollTimeoutError) throw fail('timeout');
    throw fail('error', error);
  }
  const elapsedMs = clock.now() - start;
  emitter.emit('passed', `${stage.name}: all ${total} ready after ${formatDuration(elapsedMs)}`, {
    stage: stage.name,
    elapsedMs,
    attempts,
    progress: progress(),
  });
  return { name: stage.name, elapsedMs, attempts, targets: total };
}

async function callOnFailure<T extends Target>(
  options: CascadeOptions<T>,
  error: CascadeStageError<T>,
  emitter: Emitter,
): Promise<void> {
  if (options.onFailure === undefined) return;
  try {
    await options.onFailure(error);
  } catch (hookError) {
    error.onFailureError = hookError;
    emitter.emit(
      'on-failure.failed',
      `The failure hook of the health cascade threw: ${errorMessage(hookError)}`,
      { stage: error.stage, error: errorMessage(hookError) },
      'error',
    );
  }
}

function toMap(observations: Observations): ReadonlyMap<string, Observation> {
  return observations instanceof Map
    ? observations
    : new Map(Object.entries(observations as Readonly<Record<string, Observation>>));
}

function assertUniqueTargets(targets: readonly Target[]): void {
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  targets.forEach((target, index) => {
    if (seen.has(target.id)) {
      issues.push({ path: `targets.${index}.id`, message: 'duplicate target id', received: target.id });
    }
    seen.add(target.id);
  });
  if (issues.length > 0) {
    throw new ValidationError('Every target of a cascade needs a unique id', issues);
  }
}
