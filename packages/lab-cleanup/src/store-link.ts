import { type EventSink, TAG_KEYS } from '@lab/core';
import {
  type Experiment,
  ExperimentLockedError,
  type ExperimentStore,
  inspectLock,
  type LockHolder,
  openStore,
} from '@lab/experiment-store';
import type { CleanupResult } from '@lab/tag-cleanup';

/** What lab-cleanup says about an experiment held by another process. */
export function describeHolder(holder: LockHolder | undefined): string {
  if (holder === undefined) return 'locked (the lock file cannot be read)';
  return `locked by process ${holder.pid} on ${holder.hostname}${holder.purpose === undefined ? '' : ` (${holder.purpose})`} since ${holder.startedAt}`;
}

/**
 * lab-cleanup's side of the local experiment store. Cleanup works from tags alone, so an
 * experiment this machine never saw is cleaned all the same; one it knows is locked while it is
 * being deleted (taking over a dead holder's lock marks the experiment interrupted), and is marked
 * gone once verification found nothing left.
 */
export class StoreLink {
  private readonly store: ExperimentStore;
  private readonly held = new Map<string, Experiment>();

  constructor(env: NodeJS.ProcessEnv, events: EventSink) {
    this.store = openStore({ env, events });
  }

  /** The store's experiment with exactly this id, if this machine has it. */
  private async known(experimentId: string): Promise<Experiment | undefined> {
    const id = await this.store.resolve(experimentId).catch(() => undefined);
    return id === experimentId ? this.store.open(id) : undefined;
  }

  /**
   * Locks a named experiment for the run, when the store has it. A live holder (a running
   * lab-orchestrate) is an `ExperimentLockedError`: deleting resources under it would fight it.
   */
  async claim(experimentId: string, purpose: string): Promise<void> {
    const experiment = await this.known(experimentId);
    if (experiment === undefined) return;
    await experiment.lock({ purpose });
    this.held.set(experimentId, experiment);
  }

  /**
   * For sweeps: why an experiment must be left alone — a live process (or one on another host)
   * holds its lock — or undefined. With `take`, a free (or stale) lock is taken and kept for the
   * run, so nothing starts working on the experiment while its resources are deleted.
   */
  async hold(experimentId: string, take: boolean, purpose: string): Promise<string | undefined> {
    const experiment = await this.known(experimentId);
    if (experiment === undefined) return undefined;
    if (!take) {
      const state = await inspectLock(experiment.paths.lock);
      if (state.state === 'unreadable') return describeHolder(undefined);
      return state.state === 'held' && state.alive !== false ? describeHolder(state.holder) : undefined;
    }
    try {
      await experiment.lock({ purpose });
    } catch (error) {
      if (error instanceof ExperimentLockedError) return describeHolder(error.holder);
      throw error;
    }
    this.held.set(experimentId, experiment);
    return undefined;
  }

  /**
   * Records the result in each locked experiment: `resourcesGone` when nothing of it is left and
   * every listing succeeded, and the run's summary under `details.cleanup` either way.
   */
  async record(result: CleanupResult, by: string, at: Date): Promise<void> {
    for (const [id, experiment] of this.held) {
      const mine = (tags: Record<string, string>) => tags[TAG_KEYS.experimentId] === id;
      const left = result.remaining.filter((entry) => mine(entry.resource.tags));
      const gone = left.length === 0 && result.problems.length === 0;
      await experiment.updateManifest((draft) => {
        draft.details.cleanup = {
          by,
          at: at.toISOString(),
          complete: gone,
          deleted: (result.execution?.deleted ?? []).filter((resource) => mine(resource.tags)).length,
          remaining: left.slice(0, 50).map((entry) => ({
            type: entry.resource.type,
            id: entry.resource.id,
            region: entry.resource.region,
            message: entry.message,
          })),
          problems: result.problems.map((problem) => ({
            type: problem.type,
            region: problem.region,
            message: problem.message,
          })),
        };
      });
      if (gone) await experiment.markResourcesGone(by);
    }
  }

  /** Releases every lock taken. */
  async release(): Promise<void> {
    const experiments = [...this.held.values()];
    this.held.clear();
    for (const experiment of experiments) await experiment.release();
  }

  /** Resolves `latest` or a prefix through the store. */
  resolve(ref: string): Promise<string> {
    return this.store.resolve(ref);
  }
}
