import { LabError } from '@lab/core';
import type { Target } from '@lab/experiment-store';
import type { OrchestratorDeps } from './deps.js';
import type { Platform } from './platform.js';
import { awsPlatform } from './platform-aws.js';
import { localPlatform } from './platform-local.js';

/** The adapter of a target: AWS, or this machine (which needs `deps.local`). */
export function platformFor(deps: Pick<OrchestratorDeps, 'local' | 'terraform'>, target: Target): Platform {
  if (target === 'aws') return awsPlatform({ moduleDir: deps.terraform.moduleDir });
  if (deps.local === undefined) {
    throw new LabError(
      'LOCAL_TARGET_UNCONFIGURED',
      'The local target needs its settings (a cache directory)',
      {
        hint: 'Pass `local` in the orchestrator dependencies (lab-orchestrate does)',
      },
    );
  }
  return localPlatform(deps.local);
}
