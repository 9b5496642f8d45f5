import { LabError } from '@lab/core';

export type RunStatus = 'succeeded' | 'failed' | 'skipped';

/** What happened to one planned run; kept in the manifest (`details.runs`). */
export interface RunRecord {
  id: string;
  /** Repeated runs (`repeat: N`): the run they repeat, which repetition this is, and of how many. */
  baseId?: string;
  repetition?: number;
  repetitions?: number;
  type: string;
  status: RunStatus;
  targetRate?: number;
  /** Mean publish rate OMB achieved (msg/s). */
  achievedRate?: number;
  /** Relative path of the stored result (`benchmark_results/<id>.json`). */
  resultFile?: string;
  startedAt?: string;
  endedAt?: string;
  /** Why it failed or was skipped. */
  reason?: string;
  error?: { code: string; message: string };
  /** The likely bottleneck during the run, in words (host metrics). */
  bottleneck?: string;
  /** Relative path of the run's host metrics (`benchmark_results/<id>.hosts.json`). */
  hostMetricsFile?: string;
}

export interface RunPhaseResult {
  experimentId: string;
  runs: RunRecord[];
  failed: number;
}

/** One or more runs failed (each is recorded; the others ran unless fail-fast). */
export class RunsFailedError extends LabError {
  readonly runs: readonly RunRecord[];
  constructor(experimentId: string, runs: readonly RunRecord[]) {
    const failed = runs.filter((run) => run.status === 'failed');
    super(
      'RUN_FAILED',
      `${failed.length} of ${runs.length} run(s) of ${experimentId} failed: ${failed
        .map((run) => `${run.id} (${run.reason ?? run.error?.message ?? 'failed'})`)
        .join('; ')}`,
      {
        hint: `The OMB logs are in the experiment's benchmark_results/ directory; \`lab-orchestrate status --experiment-id ${experimentId}\` lists every run`,
        details: { failed: failed.map((run) => run.id) },
      },
    );
    this.runs = runs;
  }
}
