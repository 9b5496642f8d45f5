import type { EventSink } from '@lab/core';

/** A resource that still carries the experiment's tags. */
export interface RemainingResource {
  region: string;
  type: string;
  id: string;
  /** Why it could not be deleted, when a deletion was attempted. */
  message?: string;
}

export interface CleanupByTagsRequest {
  experimentId: string;
  regions: readonly string[];
  /** false: only list what is left (verification); true: delete it, then verify. */
  execute: boolean;
  signal?: AbortSignal | undefined;
  events?: EventSink | undefined;
}

export interface CleanupByTagsResult {
  /** Resources of the experiment that exist after the call. Empty = verifiably gone. */
  remaining: RemainingResource[];
  /** Listings that failed: the answer is then not a proof that nothing is left. */
  problems?: Array<{ region: string; type: string; message: string }>;
  /** What the adapter could not do (e.g. a verification-only adapter asked to delete). */
  notes?: string[];
}

/**
 * The port through which teardown, setup's automatic cleanup and `status` find (and delete) an
 * experiment's resources by tag alone — `Project=pulsar-aws-lab` and the exact `ExperimentID`.
 * `@lab/tag-cleanup` provides the real implementation through a one-function adapter.
 */
export type CleanupByTags = (request: CleanupByTagsRequest) => Promise<CleanupByTagsResult>;

/**
 * The command that finishes a cleanup by hand: `lab-cleanup exp-… --region r --execute`.
 * Experiment ids and region names are validated words, so nothing needs quoting.
 */
export function labCleanupCommand(experimentId: string, regions: readonly string[]): string {
  return [
    'lab-cleanup',
    experimentId,
    ...regions.flatMap((region) => ['--region', region]),
    '--execute',
  ].join(' ');
}
