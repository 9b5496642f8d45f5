import type { RunCommand } from '@lab/ami-builder/aws';
import { LabError } from '@lab/core';
// The one line to change once @lab/ssm-runner is in the workspace:
//   import { runCommand as ssmRunCommand } from '@lab/ssm-runner';
import { runCommand as ssmRunCommand } from './ssm-runner-unavailable.js';

/**
 * The SSM command runner `lab-ami validate` uses: `@lab/ssm-runner`'s `runCommand`, which
 * satisfies `RunCommand` structurally. Throws SSM_RUNNER_UNAVAILABLE — before anything is
 * launched — while this build of lab-ami has no runner.
 */
export function resolveRunCommand(runner: RunCommand | undefined = ssmRunCommand): RunCommand {
  if (runner === undefined) {
    throw new LabError(
      'SSM_RUNNER_UNAVAILABLE',
      'lab-ami validate needs @lab/ssm-runner to run the checks over SSM, and this build does not include it',
      {
        hint: 'Nothing was launched. Use a lab-ami built with @lab/ssm-runner, or call validateAmi from @lab/ami-builder/aws with your own runCommand.',
      },
    );
  }
  return runner;
}
