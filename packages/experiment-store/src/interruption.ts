import { isLabError } from '@lab/core';
import type { LockHolder } from './errors.js';
import type { Manifest } from './manifest.js';

/** The error code a phase gets when the process running it died. */
export const INTERRUPTED = 'INTERRUPTED';

const describeHolder = (holder: LockHolder) =>
  `process ${holder.pid} on ${holder.hostname}${holder.purpose === undefined ? '' : ` (${holder.purpose})`}`;

/**
 * Records in `draft` that `holder` died while it held the experiment: every phase it left
 * `running` becomes `failed` with code `INTERRUPTED`, and an experiment without an outcome is
 * `aborted`. Returns the phases marked (none: nothing was running, nothing is changed).
 */
export function markInterrupted(
  draft: Manifest,
  holder: LockHolder,
  now: string,
  noticedBy: { pid: number; purpose?: string | undefined },
): string[] {
  const phases = Object.entries(draft.phases)
    .filter(([, record]) => record.status === 'running')
    .map(([name]) => name);
  if (phases.length === 0) return [];
  const by = `process ${noticedBy.pid}${noticedBy.purpose === undefined ? '' : ` (${noticedBy.purpose})`}`;
  const message = `${describeHolder(holder)}, holding the experiment since ${holder.startedAt}, ended while this phase ran (killed or crashed); noticed by ${by} at ${now}`;
  const error = {
    code: INTERRUPTED,
    message,
    hint: 'Resources it created may still exist; tearing the experiment down finds them by tag',
  };
  for (const phase of phases) {
    draft.phases[phase] = {
      status: 'failed',
      ...(draft.phases[phase]?.startedAt === undefined ? {} : { startedAt: draft.phases[phase]!.startedAt }),
      endedAt: now,
      error,
    };
  }
  draft.outcome ??= {
    result: 'aborted',
    at: now,
    message: `interrupted: ${describeHolder(holder)} ended during ${phases.join(', ')}`,
    error,
  };
  return phases;
}

export interface InterruptionContext {
  id: string;
  /** The dead holder whose stale lock was just taken over. */
  holder: LockHolder;
  noticedBy: { pid: number; purpose?: string | undefined };
  now: string;
  /** Rewrites the manifest; the caller holds the lock. */
  rewrite(mutator: (draft: Manifest) => void): Promise<unknown>;
  emit(type: string, message: string, data: Record<string, unknown>): void;
}

/**
 * Marks the experiment a dead holder left behind (`markInterrupted`) and says so. A missing,
 * corrupt or newer manifest is left as it is: its error surfaces where it is read.
 */
export async function recordInterruption(context: InterruptionContext): Promise<void> {
  const { holder } = context;
  let phases: string[] = [];
  try {
    await context.rewrite((draft) => {
      phases = markInterrupted(draft, holder, context.now, context.noticedBy);
    });
  } catch (error) {
    if (
      isLabError(error) &&
      ['MANIFEST_MISSING', 'MANIFEST_CORRUPT', 'MANIFEST_TOO_NEW'].includes(error.code)
    ) {
      return;
    }
    throw error;
  }
  if (phases.length === 0) return;
  context.emit(
    'experiment.interrupted',
    `Experiment ${context.id} was interrupted: ${describeHolder(holder)} ended during ${phases.join(', ')}; marked ${phases.length === 1 ? 'it' : 'them'} failed (${INTERRUPTED})`,
    { id: context.id, phases, holder: { ...holder } },
  );
}
