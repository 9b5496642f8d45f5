import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  type Clock,
  type Emitter,
  type EventSink,
  type LabEvent,
  realSleep,
  type Sleep,
  systemClock,
} from '@lab/core';
import type { ProcessRunner } from '@lab/core/process';
import type { ExperimentStore } from '@lab/experiment-store';
import type { fetchFile, putFile, runCommand } from '@lab/ssm-runner';
import type { CleanupByTags } from './cleanup-port.js';
import { EVENT_SOURCE } from './common.js';
import type { LocalTargetSettings } from './platform-local.js';

/** The AWS clients of one region, created on first use (the SDK is imported only then). */
export interface RegionClients {
  ec2(): Promise<EC2Client>;
  ssm(): Promise<SSMClient>;
  /** Cost Explorer (its endpoint is global; the client's region is ignored by AWS). */
  costExplorer(): Promise<CostExplorerClient>;
  /** The AWS Pricing API (served from us-east-1), for `livePrices`. */
  pricing(): Promise<PricingClient>;
  /** CloudWatch, for the CPU credits of burstable instances during each run. */
  cloudwatch(): Promise<CloudWatchClient>;
}

/** Gives the clients of a region; tests pass aws-sdk-client-mock'ed clients. */
export type AwsClientsFactory = (region: string) => RegionClients;

/** The remote operations of `@lab/ssm-runner`; injectable so tests can simulate the instances. */
export interface RemoteOps {
  runCommand: typeof runCommand;
  putFile: typeof putFile;
  fetchFile: typeof fetchFile;
}

export interface TerraformSettings {
  /** The lab's root module (`terraform/`). */
  moduleDir: string;
  /** The terraform executable (default `terraform` on PATH). */
  binary?: string;
  /** Shared provider cache (default `<home>/.terraform-plugins`). */
  pluginCacheDir?: string;
  runner?: ProcessRunner;
  /** Extra environment for every terraform command (AWS_PROFILE …). */
  env?: Record<string, string>;
}

/** A step of the lifecycle as it begins. */
export interface LifecycleStep {
  /** setup, run, report or teardown. */
  phase: string;
  /** e.g. `terraform apply`, `001-fixed-1k (1/2)`. */
  name: string;
  /** `<phase>: <name>`. */
  message: string;
}

/** Everything the lifecycle needs from the outside world; every part is injectable. */
export interface OrchestratorDeps {
  store: ExperimentStore;
  aws: AwsClientsFactory;
  terraform: TerraformSettings;
  /** Tag-based verification and cleanup (`@lab/tag-cleanup` through an adapter). */
  cleanupByTags: CleanupByTags;
  /** Default: `@lab/ssm-runner`, loaded on first use. */
  remote?: RemoteOps;
  /** The local target's cache and inputs (`--target local`); required for local experiments. */
  local?: LocalTargetSettings;
  clock?: Clock;
  sleep?: Sleep;
  /** The caller's sink (a CLI's renderer); the experiment's own logs get every event too. */
  events?: EventSink;
  /**
   * Called as each lifecycle step begins (`setup: terraform apply`), e.g. to show it as a live
   * view's phase. When given, step events go here instead of to `events` (the log keeps them).
   */
  onStep?: ((step: LifecycleStep) => void) | undefined;
  /** Ctrl-C: the lifecycle stops, cleans up what it created, and rejects with AbortedError. */
  signal?: AbortSignal;
}

export interface ResolvedDeps extends OrchestratorDeps {
  clock: Clock;
  sleep: Sleep;
}

export function withDefaults(deps: OrchestratorDeps): ResolvedDeps {
  const { onStep, events } = deps;
  return {
    ...deps,
    clock: deps.clock ?? systemClock,
    sleep: deps.sleep ?? realSleep,
    ...(onStep === undefined
      ? {}
      : {
          events: (event: LabEvent) => {
            const step = lifecycleStepOf(event);
            if (step === undefined) events?.(event);
            else onStep(step);
          },
        }),
  };
}

/** The step an event announces (`step()` below), if it is one. */
export function lifecycleStepOf(event: LabEvent): LifecycleStep | undefined {
  if (event.source !== EVENT_SOURCE || !event.type.endsWith('step')) return undefined;
  const data = event.data as { phase?: unknown; step?: unknown } | undefined;
  if (typeof data?.phase !== 'string' || typeof data.step !== 'string') return undefined;
  return { phase: data.phase, name: data.step, message: event.message };
}

/** Announces a lifecycle step: an event in the log, and `onStep` for the caller. */
export function step(events: Emitter, phase: string, name: string): void {
  events.emit('step', `${phase}: ${name}`, { phase, step: name });
}

export async function remoteOps(deps: OrchestratorDeps): Promise<RemoteOps> {
  if (deps.remote !== undefined) return deps.remote;
  const runner = await import('@lab/ssm-runner');
  return { runCommand: runner.runCommand, putFile: runner.putFile, fetchFile: runner.fetchFile };
}
