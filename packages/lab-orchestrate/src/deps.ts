import type { OutputStream, QuestionInput, SignalSource } from '@lab/cli-kit';
import type { Clock, Sleep } from '@lab/core';
import type { ProcessRunner } from '@lab/core/process';
import type { AwsClientsFactory, CleanupByTags, RemoteOps } from '@lab/orchestrator';

/** What `main` can be given instead of the real process, AWS and Terraform (tests, other tools). */
export interface LabOrchestrateDeps {
  stdout?: OutputStream;
  stderr?: OutputStream;
  stdin?: QuestionInput;
  env?: NodeJS.ProcessEnv;
  process?: SignalSource;
  cwd?: string;
  clock?: Clock;
  sleep?: Sleep;
  /** AWS clients per region instead of ones created from the flags. */
  aws?: AwsClientsFactory;
  /** SSM commands and file transfers instead of `@lab/ssm-runner`'s. */
  remote?: RemoteOps;
  /** Tag-based cleanup instead of the built-in adapter. */
  cleanupByTags?: CleanupByTags;
  /** How Terraform is started (default `runProcess` of `@lab/core/process`; tests use a fixture executable through --terraform-bin instead). */
  terraformRunner?: ProcessRunner;
}
