import type { Emitter, EventSink } from '@lab/core';
import type { Experiment, Target } from '@lab/experiment-store';
import type { RemainingResource } from './cleanup-port.js';
import type { PlanConfig } from './common.js';
import type { ResolvedDeps } from './deps.js';
import type { SampledNode } from './host-sampling.js';
import type { ExperimentPlan, PlanExperimentOptions } from './plan.js';

/** What a phase gives the platform: the experiment, where events go, and Ctrl-C. */
export interface PlatformContext {
  deps: ResolvedDeps;
  experiment: Experiment;
  sink: EventSink;
  events: Emitter;
  signal: AbortSignal | undefined;
}

/** The nodes the run phase works with, and how to reach them. */
export interface ClusterAccess {
  brokers: string[];
  clients: string[];
  /** The node that runs OMB's driver (the first client). */
  driver: string;
  /** The nodes whose CPU, memory, disks and network are sampled during every run. */
  sampledNodes: SampledNode[];
  run(request: {
    host: string;
    script: string;
    timeoutMs: number;
    description: string;
    /** Wait for the whole output (a poll that reads a log), not a summary. */
    fullOutput?: boolean;
    signal?: AbortSignal | undefined;
  }): Promise<{ ok: boolean; stdout: string; stderr: string; message: string }>;
  putFile(request: {
    host: string;
    path: string;
    content: string;
    timeoutMs: number;
    signal?: AbortSignal | undefined;
  }): Promise<void>;
  /** Rejects with `REMOTE_FILE_NOT_FOUND` when the file is not there. */
  fetchFile(request: {
    host: string;
    path: string;
    timeoutMs: number;
    signal?: AbortSignal | undefined;
  }): Promise<Buffer>;
}

/** What a teardown did and found. */
export interface DestroyOutcome {
  /** `skipped`: nothing to destroy was known (e.g. no Terraform state); the verification still ran. */
  destroy: { status: 'succeeded' | 'failed' | 'skipped'; message?: string };
  /** What still exists of the experiment. Empty, with no problems, means verifiably gone. */
  remaining: RemainingResource[];
  /** What could not be checked: the answer is then no proof that nothing is left. */
  problems: Array<{ region: string; type: string; message: string }>;
  notes: string[];
}

/**
 * Where clusters live — AWS, or this machine — and everything of the lifecycle that differs
 * between them: planning inputs, creating a healthy cluster, reaching its nodes, destroying it
 * and proving that nothing is left. The lifecycle (setup, run, report, teardown, status) is
 * written once over this port.
 */
export interface Platform {
  readonly target: Target;
  /** AWS regions the experiment's resources live in (none on this machine). */
  regions(config: PlanConfig['config']): string[];
  /**
   * What `planExperiment` needs of this platform for an experiment rooted at `experimentRoot`.
   * With `live` (setup) it may look things up, such as the AMI; a dry run makes no such call.
   */
  planInput(request: {
    experimentId: string;
    experimentRoot: string;
    config: PlanConfig['config'];
    live?: PlatformContext | undefined;
  }): Promise<Pick<PlanExperimentOptions, 'local' | 'amiId'>>;
  /**
   * Creates the cluster of `plan` and waits until it is healthy. `started()` is called as soon
   * as anything may exist, so a failure after it is cleaned up. Returns facts for the manifest.
   */
  provision(
    context: PlatformContext,
    plan: ExperimentPlan,
    started: () => void,
  ): Promise<{ details: Record<string, unknown> }>;
  /** The nodes of a set-up experiment. */
  access(context: PlatformContext, resolved: PlanConfig): Promise<ClusterAccess>;
  /** Destroys what the experiment created and looks again. Never throws for a failed step. */
  destroy(context: PlatformContext): Promise<DestroyOutcome>;
  /** What of the experiment is alive, without changing anything (`status`). */
  leftovers(
    context: Omit<PlatformContext, 'events'>,
  ): Promise<Pick<DestroyOutcome, 'remaining' | 'problems'>>;
  /** The command that finishes a teardown by hand. */
  finishCommand(experimentId: string, regions: readonly string[]): string;
}
