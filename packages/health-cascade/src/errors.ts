import { formatDuration } from '@lab/backoff';
import { errorMessage, LabError } from '@lab/core';
import type { NotReadyTarget, Target } from './types.js';

/** Why a stage failed. */
export type StageFailureReason =
  /** The stage's timeout (or the cascade's deadline) passed with targets still not ready. */
  | 'timeout'
  /** A target reported a state it can never recover from. */
  | 'terminal'
  /** `observe` threw an error that is not transient. */
  | 'error';

export interface CascadeStageErrorState<T extends Target> {
  stage: string;
  reason: StageFailureReason;
  elapsedMs: number;
  attempts: number;
  notReady: NotReadyTarget<T>[];
  targets: number;
  hint?: string | undefined;
  cause?: unknown;
}

const MAX_LISTED = 50;

/**
 * A stage of a cascade failed. Names the stage and every target that was not ready with its
 * last observation, so the person at the terminal knows exactly what to look at.
 */
export class CascadeStageError<T extends Target = Target> extends LabError {
  readonly stage: string;
  readonly reason: StageFailureReason;
  readonly elapsedMs: number;
  readonly attempts: number;
  readonly notReady: readonly NotReadyTarget<T>[];
  /** Set when the `onFailure` hook itself threw; the stage failure is still what is reported. */
  onFailureError: unknown;

  constructor(state: CascadeStageErrorState<T>) {
    super('CASCADE_STAGE_FAILED', formatMessage(state), {
      hint: state.hint ?? defaultHint(state.reason),
      ...(state.cause === undefined ? {} : { cause: state.cause }),
      details: {
        stage: state.stage,
        reason: state.reason,
        elapsedMs: state.elapsedMs,
        attempts: state.attempts,
        targets: state.targets,
        notReady: state.notReady.map(({ target, observation }) => ({
          id: target.id,
          ...(target.label === undefined ? {} : { label: target.label }),
          detail: observation.detail,
          ...(observation.terminal === true ? { terminal: true } : {}),
          ...(observation.data === undefined ? {} : { data: observation.data }),
        })),
      },
    });
    this.stage = state.stage;
    this.reason = state.reason;
    this.elapsedMs = state.elapsedMs;
    this.attempts = state.attempts;
    this.notReady = state.notReady;
    this.onFailureError = undefined;
  }
}

function formatMessage<T extends Target>(state: CascadeStageErrorState<T>): string {
  const why =
    state.reason === 'timeout'
      ? `timed out after ${formatDuration(state.elapsedMs)}`
      : state.reason === 'terminal'
        ? `failed after ${formatDuration(state.elapsedMs)}: a target can never become ready`
        : `failed after ${formatDuration(state.elapsedMs)}: ${errorMessage(state.cause)}`;
  const head = `Stage "${state.stage}" ${why}; ${state.notReady.length} of ${state.targets} target(s) not ready`;
  // Terminal targets first: they are the reason the stage stopped.
  const ordered = [...state.notReady].sort(
    (a, b) => Number(b.observation.terminal === true) - Number(a.observation.terminal === true),
  );
  const lines = ordered.slice(0, MAX_LISTED).map(({ target, observation }) => {
    const name = target.label === undefined ? target.id : `${target.label} (${target.id})`;
    return `  - ${name}: ${observation.detail}${observation.terminal === true ? ' [terminal]' : ''}`;
  });
  if (ordered.length > MAX_LISTED) lines.push(`  … and ${ordered.length - MAX_LISTED} more`);
  return lines.length === 0 ? head : `${head}:\n${lines.join('\n')}`;
}

function defaultHint(reason: StageFailureReason): string {
  switch (reason) {
    case 'timeout':
      return 'Look at the targets listed above; raise the stage timeout only if they were still making progress.';
    case 'terminal':
      return 'A target reached a state it cannot leave (see [terminal] above); waiting longer would not help.';
    case 'error':
      return 'The check itself failed (see the cause); fix it and run again.';
  }
}
