import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Emitter, errorMessage, isLabError, LabError, ValidationError } from '@lab/core';
import { fsyncDir } from './atomic.js';
import type { Experiment } from './experiment.js';
import { resourcesMayBeAlive } from './manifest.js';
import type { ExperimentRow } from './store.js';

export interface GcOptions {
  /** Only experiments created more than this long ago are candidates. */
  olderThanMs: number;
  /** Remove for real. Default false: only the plan. */
  execute?: boolean;
}

export interface GcEntry {
  id: string;
  ageMs: number | undefined;
  reason: string;
}

export interface GcPlan {
  executed: boolean;
  olderThanMs: number;
  /** Experiments gc removes (or, in a dry run, would remove). */
  remove: GcEntry[];
  /** Experiments gc leaves, with why. */
  keep: GcEntry[];
  /** Ids actually removed (empty in a dry run). */
  removed: string[];
  /** Ids that were to be removed but could not be, with why. */
  failed: { id: string; code: string; message: string }[];
}

/** What gc needs from the store. */
export interface GcDeps {
  home: string;
  emitter: Emitter;
  list(): Promise<ExperimentRow[]>;
  handle(id: string): Experiment;
}

/** Plans (and with `execute`) removes old experiments whose cloud resources are known gone. */
export async function collectGarbage(deps: GcDeps, gcOptions: GcOptions): Promise<GcPlan> {
  const { emitter, list } = deps;
  const { olderThanMs } = gcOptions;
  if (typeof olderThanMs !== 'number' || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new ValidationError('Invalid gc age limit', [
      {
        path: 'olderThanMs',
        message: 'must be a non-negative number of milliseconds',
        received: String(olderThanMs),
      },
    ]);
  }
  const plan: GcPlan = {
    executed: gcOptions.execute === true,
    olderThanMs,
    remove: [],
    keep: [],
    removed: [],
    failed: [],
  };
  for (const entry of await list()) {
    const verdict = gcVerdict(entry, olderThanMs);
    (verdict.remove ? plan.remove : plan.keep).push({
      id: entry.id,
      ageMs: entry.ageMs,
      reason: verdict.reason,
    });
  }
  if (!plan.executed) return plan;
  for (const entry of plan.remove) {
    try {
      await removeExperiment(deps, entry.id);
      plan.removed.push(entry.id);
      emitter.emit('gc.removed', `Removed experiment ${entry.id} (${entry.reason})`, { id: entry.id });
    } catch (error) {
      plan.failed.push({
        id: entry.id,
        code: isLabError(error) ? error.code : 'UNEXPECTED',
        message: errorMessage(error),
      });
      emitter.emit(
        'gc.failed',
        `Could not remove experiment ${entry.id}: ${errorMessage(error)}`,
        { id: entry.id },
        'warn',
      );
    }
  }
  return plan;
}

/** Removes one experiment under its lock, after checking again that it may go. */
async function removeExperiment(deps: GcDeps, id: string): Promise<void> {
  const { home, handle } = deps;
  const experiment = handle(id);
  await experiment.lock({ purpose: 'gc' });
  let moved = false;
  try {
    const manifest = await experiment.readManifest();
    if (resourcesMayBeAlive(manifest)) {
      throw new LabError('GC_REFUSED', `Experiment ${id} may have live resources now`, {
        details: { id },
      });
    }
    // Renaming first makes the removal all-or-nothing for readers: a half-deleted directory is
    // never listed as an experiment.
    const trash = join(home, `.gc-${id}-${randomBytes(4).toString('hex')}`);
    await rename(experiment.paths.root, trash);
    moved = true;
    experiment.forgetLock();
    await fsyncDir(home);
    await rm(trash, { recursive: true, force: true });
  } finally {
    if (!moved) await experiment.release();
  }
}

function gcVerdict(entry: ExperimentRow, olderThanMs: number): { remove: boolean; reason: string } {
  if (entry.status === 'unreadable' || entry.status === 'incomplete') {
    return {
      remove: false,
      reason: `${entry.status}: ${entry.problem?.message ?? 'no manifest'}; inspect it by hand`,
    };
  }
  if (entry.ageMs === undefined || entry.ageMs < olderThanMs)
    return { remove: false, reason: 'younger than the limit' };
  if (entry.lockedBy !== undefined)
    return { remove: false, reason: `locked by process ${entry.lockedBy.pid}` };
  if (entry.resourcesMayBeAlive) return { remove: false, reason: 'its cloud resources may still exist' };
  return { remove: true, reason: 'older than the limit and its cloud resources are gone' };
}
